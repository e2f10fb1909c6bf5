// Which points of a phase's per-second series are whole measured seconds: not warm-up, starting at
// or after the warm-up's end and ending by the phase's end. The window's length is measured, so it
// is a hair off whole seconds: EDGE_SECONDS of slack at both ends. `logbench compare` samples these
// seconds, and the steady-state check tests them.

import type { SeriesPoint } from '../load/recording-types.js';

export const EDGE_SECONDS = 0.1;

export interface MeasuredWindow {
  warmupSeconds: number;
  measuredSeconds: number;
}

export function isWholeMeasuredSecond(phase: MeasuredWindow, point: Pick<SeriesPoint, 'second' | 'warmup'>): boolean {
  return !point.warmup && point.second >= phase.warmupSeconds - EDGE_SECONDS && point.second + 1 <= phase.warmupSeconds + phase.measuredSeconds + EDGE_SECONDS;
}
