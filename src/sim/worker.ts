// Worker-thread entry of the seed pool (piscina): runs one range of seeds on the real core.

import { raftNodeFactory } from './default-core.js';
import type { SeedRangeResult, SeedRangeTask } from './seed-range.js';
import { runSeedRange } from './seed-range.js';

export default function runTask(task: SeedRangeTask): SeedRangeResult {
  return runSeedRange(task, raftNodeFactory);
}
