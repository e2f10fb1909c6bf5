// Every `logbench` command, in the order `logbench --help` lists them.
// Add a command: one file in this folder exporting a `Command`, and one line here.

import type { Command } from '../command.js';

export const COMMANDS: readonly Command[] = [
];
