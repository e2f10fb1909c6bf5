// Every `logbench` command, in the order `logbench --help` lists them.
// Add a command: one file in this folder exporting a `Command`, and one line here.

import type { Command } from '../command.js';
import { benchStorageCommand } from './bench-storage.js';
import { compareCommand } from './compare.js';
import { diskCommand } from './disk.js';
import { exportHgrmCommand } from './export-hgrm.js';
import { nodeCommand } from './node.js';
import { runCommand } from './run.js';
import { simCommand } from './sim.js';

export const COMMANDS: readonly Command[] = [
  runCommand,
  exportHgrmCommand,
  compareCommand,
  diskCommand,
  benchStorageCommand,
  simCommand,
  nodeCommand,
];
