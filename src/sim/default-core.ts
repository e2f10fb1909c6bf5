// The factory of the real raft core, for the simulator's workers and the `logbench sim` command.
// Kept apart so a test can run the simulator on a variant core without touching this one.

import { RaftNode } from '../raft/raft.js';
import type { RaftFactory } from './raft-like.js';

export const raftNodeFactory: RaftFactory = (config, log, hardState, rng) => new RaftNode(config, log, hardState, rng);
