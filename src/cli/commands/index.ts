// Every `logbench` command, in the order `logbench --help` lists them.
// Add a command: one file in this folder exporting a `Command`, and one line here.

import type { Command } from '../command.js';
import { abCommand } from './ab.js';
import { benchStorageCommand } from './bench-storage.js';
import { calibrateCommand } from './calibrate.js';
import { compareCommand } from './compare.js';
import { diskCommand } from './disk.js';
import { exportHgrmCommand } from './export-hgrm.js';
import { failoverCommand } from './failover.js';
import { nodeCommand } from './node.js';
import { profileCommand } from './profile.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { simCommand } from './sim.js';
import { versusCommand } from './versus.js';
import { serveCommand } from './serve.js';
import { agentCommand } from './agent.js';

export const COMMANDS: readonly Command[] = [
  runCommand,
  failoverCommand,
  exportHgrmCommand,
  compareCommand,
  abCommand,
  calibrateCommand,
  reportCommand,
  profileCommand,
  diskCommand,
  benchStorageCommand,
  simCommand,
  nodeCommand,
  versusCommand,
  serveCommand,
  agentCommand,
];
