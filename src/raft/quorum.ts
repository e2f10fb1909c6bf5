// Majority arithmetic for a fixed group of voters (1, 3, 5 or 7).
// A value is "committed" by a group when at least a majority (floor(n/2) + 1) of voters have
// reached it: the majority index is therefore the (majority)-th largest of the voters' values.
// Nothing here allocates on the hot path: callers pass a scratch array that is sorted in place.

import { assert } from '../assert.js';
import type { LogIndex } from '../types.js';

export const GROUP_SIZES = [1, 3, 5, 7] as const;

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index that a majority of `matches` has reached. Sorts `matches` in place
 * (descending, insertion sort: groups have at most 7 voters).
 */
export function majorityIndex(matches: LogIndex[]): LogIndex {
  const n = matches.length;
  assert(n >= 1, 'majorityIndex: no voters');
  for (let i = 1; i < n; i++) {
    const value = matches[i]!;
    let j = i - 1;
    while (j >= 0 && matches[j]! < value) {
      matches[j + 1] = matches[j]!;
      j--;
    }
    matches[j + 1] = value;
  }
  return matches[majority(n) - 1]!;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Tally of a (pre-)election: won once a majority granted, lost once a majority can no longer grant. */
export function voteResult(granted: number, rejected: number, voterCount: number): VoteResult {
  const needed = majority(voterCount);
  if (granted >= needed) return 'won';
  if (voterCount - rejected < needed) return 'lost';
  return 'pending';
}
