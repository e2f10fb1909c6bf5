import { describe, expect, it } from 'vitest';
import { readTag } from '../../src/check/tag.js';
import type { AppendAck, Driver } from '../../src/drivers/types.js';
import { AckLog, producerId, producerPhase } from '../../src/load/ack-log.js';
import { FakeClock } from '../../src/load/clock.js';
import { GENERATOR_DEFAULTS } from '../../src/load/phase-spec.js';
import { createGenerator } from '../../src/load/run-phase.js';

/** A driver that decodes every payload's tag as it arrives (copying nothing else). */
class TagCapturingDriver implements Driver {
  readonly system = 'capture';
  readonly durability = 'none';
  readonly settings = {};
  readonly tags: Array<{ producer: number; sequence: number; index: number }> = [];
  private next = 1;
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  append(payload: Uint8Array): Promise<AppendAck> {
    const tag = readTag(payload);
    if (tag === undefined) throw new Error('payload without a load tag');
    const index = this.next++;
    this.tags.push({ ...tag, index });
    return Promise.resolve({ index });
  }
}

async function run(type: 'closed' | 'open'): Promise<{ driver: TagCapturingDriver; log: AckLog }> {
  const driver = new TagCapturingDriver();
  const log = new AckLog();
  const clock = new FakeClock();
  const phase = type === 'closed' ? ({ type, name: 'c', concurrency: 8, warmupSeconds: 0, ops: 2000 } as const) : ({ type, name: 'o', rate: 2000, arrival: 'poisson', warmupSeconds: 0, seconds: 1 } as const);
  await createGenerator({ driver, clock, phase, phaseIndex: 3, workerIndex: 1, settings: { ...GENERATOR_DEFAULTS, outstandingMax: 16 }, sizeBytes: 64, ackLog: log, shouldStop: () => false }).run();
  return { driver, log };
}

describe('load tags and the ack log', () => {
  for (const type of ['closed', 'open'] as const) {
    it(`${type} loop: every payload is tagged with its producer and per-producer sequence, and every ack is logged`, async () => {
      const { driver, log } = await run(type);
      expect(driver.tags.length).toBeGreaterThan(100);
      expect(log.length).toBe(driver.tags.length);
      const nextSequence = new Map<number, number>();
      for (const tag of driver.tags) {
        expect(producerPhase(tag.producer)).toBe(3);
        // Sequences of a producer are issued 0, 1, 2, ... in order.
        expect(tag.sequence).toBe(nextSequence.get(tag.producer) ?? 0);
        nextSequence.set(tag.producer, tag.sequence + 1);
      }
      const logged = [...log].sort((a, b) => a.index - b.index);
      expect(logged).toEqual(driver.tags);
    });
  }

  it('producer ids pack phase, worker and slot', () => {
    expect(producerId(3, 1, 7)).toBe((3 << 24) | (1 << 16) | 7);
    expect(producerPhase(producerId(200, 5, 65_535))).toBe(200);
  });

  it('stops growing at acksMax and says it was truncated', () => {
    const log = new AckLog(3);
    for (let i = 0; i < 5; i++) log.append(1, i, i + 1);
    expect(log.length).toBe(3);
    expect(log.truncated).toBe(true);
  });

  it('survives a round trip through its transferable form', () => {
    const log = new AckLog();
    for (let i = 0; i < 70_000; i++) log.append(i % 5, i, i * 2);
    const copy = AckLog.fromData(structuredClone(log.toData()));
    expect(copy.length).toBe(70_000);
    expect(copy.get(69_999)).toEqual({ producer: 69_999 % 5, sequence: 69_999, index: 139_998 });
  });
});
