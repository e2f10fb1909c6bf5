// calibrate's note on slowdowns whose measured change is far from the one asked for (the knob is
// extrapolated linearly from one probe, which a system waiting on its disk does not follow).

import { describe, expect, it } from 'vitest';
import { knobMismatchNotes, runsNeededLines } from '../../src/cli/commands/calibrate.js';
import { runsPerSideToDetect } from '../../src/results/noise-floor.js';

describe('calibrate knob mismatch notes', () => {
  it('flags a slowdown measured at under half or over twice its target, and nothing else', () => {
    const notes = knobMismatchNotes([
      { slowdownPercent: 10, measuredChangePercentMean: -2.8 },
      { slowdownPercent: 20, measuredChangePercentMean: -17.5 },
      { slowdownPercent: 5, measuredChangePercentMean: -12 },
      { slowdownPercent: 30, measuredChangePercentMean: -15 },
      { slowdownPercent: 10, measuredChangePercentMean: 1.5 },
    ]);
    expect(notes).toHaveLength(3);
    expect(notes[0]).toBe("note: the 10% slowdown measured -2.8%: the knob's effect is not linear here (the system is not bound by the CPU it spins on), so its detection rate is for a -2.8% change; --search-steps 2 verifies and corrects the knob value first");
    expect(notes[1]).toContain('the 5% slowdown measured -12%');
    expect(notes[2]).toContain('the 10% slowdown measured +1.5%');
    // After a knob search the advice is more runs, not a search.
    const searched = knobMismatchNotes([{ slowdownPercent: 10, measuredChangePercentMean: -1 }], 2);
    expect(searched).toHaveLength(1);
    expect(searched[0]).toContain('could not pin it down at this noise: give each step more --runs');
  });
});

describe('calibrate runs-a-side estimate', () => {
  it('asks for many runs a side where A/A changes spread 20%, and one where they spread 1.2%', () => {
    // Alternating ±20% A/A changes at one run a side: rms 20, (1.96 + 1.645) · 20 / 10 = 7.21, squared 52.
    const noisy = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 20 : -20));
    expect(runsPerSideToDetect(noisy, 1, 10, 0.95)).toBe(52);
    // The same spread measured with 2 runs a side means twice the per-run noise variance.
    expect(runsPerSideToDetect(noisy, 2, 10, 0.95)).toBe(104);
    const quiet = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1.2 : -1.2));
    expect(runsPerSideToDetect(quiet, 2, 10, 0.95)).toBe(1);
    expect(runsPerSideToDetect([1, -1], 2, 10, 0.95)).toBeNaN();
  });

  it('prints the estimate only for slowdowns detected in fewer than 95% of pairs', () => {
    const rows = [
      { slowdownPercent: 10, detectionRate: 0.05 },
      { slowdownPercent: 30, detectionRate: 1 },
    ];
    const lines = runsNeededLines(rows, new Map([[10, 52], [30, 6]]), 2);
    expect(lines).toEqual(["to detect 10% in >= 95% of pairs here: about 52 run(s) a side, against 2 now (estimated from the A/A spread, if a side's noise falls as 1/sqrt(runs))"]);
    expect(runsNeededLines(rows, new Map([[10, Number.NaN]]), 2)).toEqual([]);
  });
});
