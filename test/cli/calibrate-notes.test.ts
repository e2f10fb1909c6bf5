// calibrate's note on slowdowns whose measured change is far from the one asked for (the knob is
// extrapolated linearly from one probe, which a system waiting on its disk does not follow).

import { describe, expect, it } from 'vitest';
import { knobMismatchNotes } from '../../src/cli/commands/calibrate.js';

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
