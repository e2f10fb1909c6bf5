import { describe, expect, it } from 'vitest';
import { RingConsumer, RingProducer, createRingBuffer } from '../../src/transport/ring.js';

function pair(capacityBytes: number): { producer: RingProducer; consumer: RingConsumer; buffer: SharedArrayBuffer } {
  const buffer = createRingBuffer(capacityBytes);
  return { producer: new RingProducer(buffer), consumer: new RingConsumer(buffer), buffer };
}

function push(producer: RingProducer, fill: number, length: number): boolean {
  const slot = producer.tryReserve(length);
  if (slot === undefined) return false;
  slot.fill(fill);
  producer.commit();
  return true;
}

describe('ring', () => {
  it('rejects a capacity that is not a power of two', () => {
    expect(() => createRingBuffer(1000)).toThrow(/power of two/);
  });

  it('records of varying size wrap around the end many times and come out intact, in order', () => {
    const { producer, consumer } = pair(256);
    let written = 0;
    let read = 0;
    for (let round = 0; round < 500; round++) {
      const length = (round * 37) % 100;
      expect(push(producer, written & 0xff, length)).toBe(true);
      written++;
      const record = consumer.take()!;
      expect(record.byteLength).toBe(length);
      expect(record.every((b) => b === (read & 0xff))).toBe(true);
      consumer.release();
      read++;
    }
    expect(consumer.take()).toBeUndefined();
    expect(consumer.usedBytes()).toBe(0);
  });

  it('tryReserve returns undefined when full and succeeds again after a release', () => {
    const { producer, consumer } = pair(256);
    let pushed = 0;
    while (push(producer, pushed, 20)) pushed++;
    expect(pushed).toBe(256 / 24 | 0);
    expect(producer.fullCount).toBe(1);
    expect(consumer.take()![0]).toBe(0);
    consumer.release();
    expect(push(producer, 99, 20)).toBe(true);
  });

  it('held records are not overwritten by the producer until released, and release in taken order', () => {
    const { producer, consumer } = pair(256);
    for (let i = 0; i < 3; i++) push(producer, i + 1, 50);
    const held = [consumer.take()!, consumer.take()!, consumer.take()!];
    let pushed = 0;
    while (push(producer, 0xee, 50)) pushed++;
    expect(pushed).toBeLessThan(2);
    expect(held.map((r) => r[0])).toEqual([1, 2, 3]);
    expect(held.every((r, i) => r.every((b) => b === i + 1))).toBe(true);
    consumer.release();
    expect(held[1]!.every((b) => b === 2) && held[2]!.every((b) => b === 3)).toBe(true);
    expect(consumer.heldBytes()).toBe(2 * 56);
  });

  it('peek does not advance; release after peek frees the peeked record', () => {
    const { producer, consumer } = pair(256);
    push(producer, 1, 8);
    push(producer, 2, 8);
    expect(consumer.peek()![0]).toBe(1);
    expect(consumer.peek()![0]).toBe(1);
    consumer.release();
    expect(consumer.peek()![0]).toBe(2);
    expect(consumer.take()![0]).toBe(2);
    expect(consumer.take()).toBeUndefined();
  });

  it('a record larger than half the ring is refused', () => {
    const { producer } = pair(256);
    expect(() => producer.tryReserve(121)).toThrow(/expected 0\.\.120/);
  });

  it('commit may shrink the reservation to the bytes actually written', () => {
    const { producer, consumer } = pair(256);
    const slot = producer.tryReserve(100)!;
    slot.fill(7, 0, 10);
    producer.commit(10);
    expect(Array.from(consumer.take()!)).toEqual(new Array(10).fill(7));
  });

  it('counters keep working across the 2^32 wrap', () => {
    const buffer = createRingBuffer(256);
    const words = new Int32Array(buffer);
    words[0] = 0xffffff00 | 0; // HEAD
    words[16] = 0xffffff00 | 0; // TAIL
    const producer = new RingProducer(buffer);
    const consumer = new RingConsumer(buffer);
    for (let i = 0; i < 100; i++) {
      expect(push(producer, i, 30)).toBe(true);
      expect(consumer.take()![0]).toBe(i);
      consumer.release();
    }
    expect(words[0]! >>> 0).toBeLessThan(0x10000);
  });

  it('no doorbell is rung while the consumer is not waiting', () => {
    const { producer } = pair(4096);
    for (let i = 0; i < 100; i++) {
      push(producer, i, 8);
      producer.flush();
    }
    expect(producer.doorbellCount).toBe(0);
  });

  it('a waiting consumer is woken by flush, once for a batch', async () => {
    const { producer, consumer } = pair(4096);
    const woken = consumer.waitForData(5000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 10; i++) push(producer, i, 8);
    producer.flush();
    producer.flush();
    expect(await woken).toBe(true);
    expect(producer.doorbellCount).toBe(1);
  });

  it('waitForData times out when nothing is committed', async () => {
    const { consumer } = pair(256);
    expect(await consumer.waitForData(20)).toBe(false);
  });

  it('waitForSpace resolves once the consumer releases enough', async () => {
    const { producer, consumer } = pair(256);
    while (push(producer, 1, 50));
    let resolved = false;
    const space = producer.waitForSpace(50, 5000).then((ok) => (resolved = ok));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(resolved).toBe(false);
    consumer.take();
    consumer.release();
    await space;
    expect(resolved).toBe(true);
  });

  it('close wakes a waiting consumer with false', async () => {
    const { producer, consumer } = pair(256);
    const waiting = consumer.waitForData();
    producer.close();
    expect(await waiting).toBe(false);
  });
});
