// The simulated network: delays, partitions, capacity and seeded determinism.

import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import type { Message } from '../../src/raft/types.js';
import { QUIET_NETWORK, SimNetwork } from '../../src/sim/network.js';
import type { NodeId, Term } from '../../src/types.js';

const ids = [1, 2, 3] as NodeId[];

function heartbeat(from: number, to: number, term = 1): Message {
  return { type: 'HeartbeatResp', from: from as NodeId, to: to as NodeId, term: term as Term };
}

describe('SimNetwork', () => {
  it('delivers a message no earlier than its delay', () => {
    const network = new SimNetwork(seededRng(1), { ...QUIET_NETWORK, delayStepsMax: 1 }, ids, 16);
    network.send(heartbeat(1, 2), 10);
    expect(network.take(10, false)).toBeUndefined();
    expect(network.take(11, false)).toEqual(heartbeat(1, 2));
  });

  it('drops messages across a partition, also those already in flight', () => {
    const network = new SimNetwork(seededRng(1), QUIET_NETWORK, ids, 16);
    network.send(heartbeat(1, 3), 0);
    network.partition(new Map([[3 as NodeId, 1]]));
    expect(network.send(heartbeat(1, 3), 0)).toBe('partitioned');
    const lost: Message[] = [];
    expect(network.take(5, false, (m) => lost.push(m))).toBeUndefined();
    expect(lost).toHaveLength(1);
    expect(network.send(heartbeat(1, 2), 0)).toBe('queued');
    network.heal();
    expect(network.send(heartbeat(1, 3), 0)).toBe('queued');
  });

  it('drops sends beyond its capacity', () => {
    const network = new SimNetwork(seededRng(1), QUIET_NETWORK, ids, 2);
    expect(network.send(heartbeat(1, 2), 0)).toBe('queued');
    expect(network.send(heartbeat(1, 2), 0)).toBe('queued');
    expect(network.send(heartbeat(1, 2), 0)).toBe('full');
    expect(network.size).toBe(2);
  });

  it('delivers oldest first without reordering', () => {
    const network = new SimNetwork(seededRng(1), QUIET_NETWORK, ids, 16);
    for (let term = 1; term <= 5; term++) network.send(heartbeat(1, 2, term), 0);
    const terms: number[] = [];
    for (let m = network.take(1, false); m !== undefined; m = network.take(1, false)) terms.push(m.term);
    expect(terms).toEqual([1, 2, 3, 4, 5]);
  });

  it('reorders, drops and duplicates as a function of its seed', () => {
    const faults = { dropRate: 0.2, duplicateRate: 0.2, reorderRate: 0.5, delayStepsMax: 5 };
    const run = (seed: number): number[] => {
      const network = new SimNetwork(seededRng(seed), faults, ids, 1024);
      for (let term = 1; term <= 50; term++) network.send(heartbeat(1, 2, term), 0);
      const terms: number[] = [];
      for (let m = network.take(100, false); m !== undefined; m = network.take(100, false)) terms.push(m.term);
      return terms;
    };
    const first = run(3);
    expect(run(3)).toEqual(first);
    expect(first).not.toEqual([...first].sort((a, b) => a - b));
    expect(new Set(first).size).toBeLessThan(50);
    expect(first.length).not.toBe(new Set(first).size);
  });
});
