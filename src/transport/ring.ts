// A bounded single-producer/single-consumer ring of variable-size records on a SharedArrayBuffer,
// between two threads. The producer writes a record straight into its slot (tryReserve/commit);
// the consumer reads it in place and may hold it (e.g. while writing it to a file) before release.
//
// Layout: a 256-byte control block of Int32 words, then `capacityBytes` (a power of two) of data.
//   HEAD        bytes ever committed (mod 2^32), written by the producer only
//   TAIL        bytes ever released (mod 2^32), written by the consumer only
//   SLEEPING    1 while the consumer is (about to be) parked in Atomics.waitAsync on HEAD
//   WAITING     1 while the producer is (about to be) parked waiting for space, on TAIL
//   CLOSED      1 once either side closed the ring for good
//   CAPACITY    capacityBytes, so a side attaching in another thread can check it
// HEAD, TAIL and the flags sit on separate 64-byte lines so the two threads do not share cache lines.
//
// A record is a u32 length prefix then the bytes, padded to 8 bytes. A record never wraps: when it
// does not fit before the end of the data area, the producer writes a PAD prefix there and places
// the record at offset 0. Records are at most capacityBytes / 2 - 8 bytes, so a record always fits
// in an empty ring.
//
// Invariants: 0 <= HEAD - TAIL <= capacity (unsigned, mod 2^32); both counters only move forward;
// the consumer's read cursor stays within [TAIL, HEAD]; records are released in the order read.
//
// Doorbells: commit() only publishes HEAD. flush() rings the doorbell (Atomics.notify) and only
// when the consumer said it is sleeping, so a busy consumer costs the producer no syscall, and one
// doorbell covers every record committed since the last one. A parked consumer is never missed:
// it sets SLEEPING before re-reading HEAD and waitAsync re-checks HEAD atomically, while the
// producer stores HEAD before reading SLEEPING (sequentially consistent atomics).
//
// Note: a pending Atomics.waitAsync does not keep a Node.js event loop alive; owners of a waiting
// consumer keep their thread alive by other means (see ring-transport.ts).

import { assert } from '../assert.js';

export const RING_CONTROL_BYTES = 256;
export const RING_CAPACITY_BYTES_MIN = 64;
export const RING_CAPACITY_BYTES_MAX = 1 << 30;
const HEAD = 0;
const TAIL = 16;
const SLEEPING = 32;
const WAITING = 48;
const CLOSED = 56;
const CAPACITY = 60;
const PREFIX_BYTES = 4;
const PAD = 0xffffffff;
const DATA_WORD = RING_CONTROL_BYTES >> 2;

// Atomics.waitAsync is in Node >= 16 but in TypeScript's lib only from es2024 (tsconfig says es2023).
type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: (array: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult }).waitAsync.bind(Atomics);

/**
 * Longest single park. On Node 20 a worker thread's Atomics.waitAsync can stay pending after
 * Atomics.notify took its waiter off the list (the task that resolves the promise is not run until
 * some other task reaches that thread): a follower whose only busy ring is the leader's then
 * stopped reading it for good, within seconds at concurrency 1, and turned pre-candidate. A park
 * therefore also ends after this long and re-checks the ring; a park that ends so with data
 * waiting counts as a lost wake-up (`lostWakeups`). Seen 0-2 times per 4 s run of 3 replicas.
 */
const PARK_MS_MAX = 10;

function recordBytes(length: number): number {
  return (PREFIX_BYTES + length + 7) & ~7;
}

/** Allocates and initializes a ring's SharedArrayBuffer (pass it to both threads). */
export function createRingBuffer(capacityBytes: number): SharedArrayBuffer {
  if (!Number.isInteger(capacityBytes) || capacityBytes < RING_CAPACITY_BYTES_MIN || capacityBytes > RING_CAPACITY_BYTES_MAX || (capacityBytes & (capacityBytes - 1)) !== 0) {
    throw new RangeError(`ring capacity: expected a power of two in [${RING_CAPACITY_BYTES_MIN}, ${RING_CAPACITY_BYTES_MAX}] bytes, got ${capacityBytes}`);
  }
  const buffer = new SharedArrayBuffer(RING_CONTROL_BYTES + capacityBytes);
  new Int32Array(buffer)[CAPACITY] = capacityBytes;
  return buffer;
}

abstract class RingSide {
  readonly capacityBytes: number;
  /** Largest record payload this ring accepts. */
  readonly recordBytesMax: number;
  protected readonly words: Int32Array;
  /** The data area; record payloads are subarrays of it. */
  protected readonly data: Uint8Array;
  protected readonly mask: number;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    const capacityBytes = this.words[CAPACITY]!;
    assert(capacityBytes >= RING_CAPACITY_BYTES_MIN && (capacityBytes & (capacityBytes - 1)) === 0 && buffer.byteLength === RING_CONTROL_BYTES + capacityBytes,
      () => `ring: buffer of ${buffer.byteLength} bytes was not made by createRingBuffer (capacity word ${capacityBytes})`);
    this.capacityBytes = capacityBytes;
    this.recordBytesMax = capacityBytes / 2 - 8;
    this.mask = capacityBytes - 1;
    this.data = new Uint8Array(buffer, RING_CONTROL_BYTES, capacityBytes);
  }

  /** Marks the ring closed for both sides and wakes whoever waits. */
  close(): void {
    Atomics.store(this.words, CLOSED, 1);
    Atomics.notify(this.words, HEAD);
    Atomics.notify(this.words, TAIL);
  }

  get closed(): boolean {
    return Atomics.load(this.words, CLOSED) === 1;
  }

  /** Bytes committed and not yet released (including padding). */
  usedBytes(): number {
    const used = (Atomics.load(this.words, HEAD) - Atomics.load(this.words, TAIL)) >>> 0;
    assert(used <= this.capacityBytes, () => `ring: ${used} bytes in use exceeds capacity ${this.capacityBytes} (counters corrupted)`);
    return used;
  }
}

export class RingProducer extends RingSide {
  /** Committed position (mod 2^32), mirrors HEAD. */
  private head: number;
  private reservedAt = -1;
  private reservedLength = 0;
  private published: number;
  /** tryReserve calls that found the ring full. */
  fullCount = 0;
  doorbellCount = 0;
  recordCount = 0;
  /** Waits for space that ended by PARK_MS_MAX with space free: the wake-up was lost. */
  lostWakeups = 0;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.head = Atomics.load(this.words, HEAD) >>> 0;
    this.published = this.head;
    Atomics.store(this.words, WAITING, 0);
  }

  /**
   * Reserves a slot for a record of `length` bytes and returns a view to write it into, or
   * undefined when the ring has no room (back-pressure) or is closed. At most one reservation is
   * open at a time; commit() publishes it.
   */
  tryReserve(length: number): Uint8Array | undefined {
    const offset = this.tryReserveOffset(length);
    return offset < 0 ? undefined : this.data.subarray(offset, offset + length);
  }

  /** As tryReserve, but returns the slot's offset in `bytes` (-1 when full), avoiding a view allocation. */
  tryReserveOffset(length: number): number {
    assert(this.reservedAt < 0, 'ring: tryReserve with a reservation still open (commit first)');
    assert(Number.isInteger(length) && length >= 0 && length <= this.recordBytesMax, () => `ring: record of ${length} bytes, expected 0..${this.recordBytesMax} (half the ${this.capacityBytes}-byte ring)`);
    if (Atomics.load(this.words, CLOSED) === 1) return -1;
    if (!this.fits(length)) {
      this.fullCount++;
      return -1;
    }
    const position = this.head & this.mask;
    const total = recordBytes(length);
    const slot = total > this.capacityBytes - position ? 0 : position;
    this.reservedAt = slot;
    this.reservedLength = length;
    return slot + PREFIX_BYTES;
  }

  /** The data area, for writing at an offset returned by tryReserveOffset. */
  get bytes(): Uint8Array {
    return this.data;
  }

  /** Publishes the open reservation; `length` may shrink it (bytes actually written). */
  commit(length: number = this.reservedLength): void {
    assert(this.reservedAt >= 0, 'ring: commit without a reservation');
    assert(Number.isInteger(length) && length >= 0 && length <= this.reservedLength, () => `ring: commit of ${length} bytes, reserved ${this.reservedLength}`);
    const position = this.head & this.mask;
    let advance = recordBytes(length);
    if (this.reservedAt !== position) {
      assert(this.reservedAt === 0, 'ring: reservation moved');
      this.words[DATA_WORD + (position >> 2)] = PAD | 0;
      advance += this.capacityBytes - position;
    }
    this.words[DATA_WORD + (this.reservedAt >> 2)] = length;
    this.head = (this.head + advance) >>> 0;
    this.reservedAt = -1;
    this.recordCount++;
    // The atomic store orders the plain writes above before it for a consumer that loads HEAD.
    Atomics.store(this.words, HEAD, this.head | 0);
  }

  /** Rings the doorbell if anything was committed since the last flush and the consumer sleeps. */
  flush(): void {
    if (this.published === this.head) return;
    this.published = this.head;
    // Claiming the flag means only one doorbell per sleep, however many flushes follow.
    if (Atomics.compareExchange(this.words, SLEEPING, 1, 0) === 1) {
      Atomics.notify(this.words, HEAD, 1);
      this.doorbellCount++;
    }
  }

  /** True when a record of `length` bytes fits now. */
  fits(length: number): boolean {
    const tail = Atomics.load(this.words, TAIL) >>> 0;
    const used = (this.head - tail) >>> 0;
    assert(used <= this.capacityBytes, () => `ring: head ${this.head} - tail ${tail} exceeds capacity ${this.capacityBytes} (counters not monotone)`);
    const position = this.head & this.mask;
    const total = recordBytes(length);
    const toEnd = this.capacityBytes - position;
    const needed = total > toEnd ? toEnd + total : total;
    return needed <= this.capacityBytes - used;
  }

  /**
   * Resolves true once a record of `length` bytes fits, false when the ring is closed or
   * `timeoutMs` passed. Does not block the event loop (Atomics.waitAsync on TAIL).
   */
  async waitForSpace(length: number, timeoutMs = Infinity): Promise<boolean> {
    assert(length <= this.recordBytesMax, () => `ring: record of ${length} bytes can never fit (max ${this.recordBytesMax})`);
    const deadline = timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      if (Atomics.load(this.words, CLOSED) === 1) return false;
      if (this.fits(length)) return true;
      Atomics.store(this.words, WAITING, 1);
      const tail = Atomics.load(this.words, TAIL);
      if (this.fits(length) || Atomics.load(this.words, CLOSED) === 1) {
        Atomics.store(this.words, WAITING, 0);
        continue;
      }
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) {
        Atomics.store(this.words, WAITING, 0);
        return false;
      }
      const wait = waitAsync(this.words, TAIL, tail, Math.min(remainingMs, PARK_MS_MAX));
      if (wait.async && (await wait.value) === 'timed-out' && remainingMs > PARK_MS_MAX && this.fits(length)) this.lostWakeups++;
      Atomics.store(this.words, WAITING, 0);
    }
  }
}

export class RingConsumer extends RingSide {
  /** Position of the next record to read (mod 2^32). */
  private readAt: number;
  /** Position of the oldest record not released (mod 2^32), mirrors TAIL. */
  private releaseAt: number;
  private interrupted = false;
  /** Times the consumer parked and was woken (by a doorbell, timeout or interrupt). */
  wakeCount = 0;
  /** Parks that ended by PARK_MS_MAX with a record waiting: the doorbell's wake-up was lost. */
  lostWakeups = 0;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.releaseAt = Atomics.load(this.words, TAIL) >>> 0;
    // Records a previous consumer read but did not release are read again.
    this.readAt = this.releaseAt;
    Atomics.store(this.words, SLEEPING, 0);
  }

  /** View of the next unread record, without moving past it; undefined when none is committed. */
  peek(): Uint8Array | undefined {
    const found = this.locate(this.readAt);
    if (found < 0) return undefined;
    const offset = found & this.mask;
    return this.data.subarray(offset + PREFIX_BYTES, offset + PREFIX_BYTES + this.words[DATA_WORD + (offset >> 2)]!);
  }

  /**
   * View of the next unread record, moving past it: the record stays held (its bytes untouched
   * by the producer) until release(). Several records may be held at once; they are released in
   * the order taken.
   */
  take(): Uint8Array | undefined {
    const found = this.locate(this.readAt);
    if (found < 0) return undefined;
    const offset = found & this.mask;
    const length = this.words[DATA_WORD + (offset >> 2)]!;
    this.readAt = (found + recordBytes(length)) >>> 0;
    return this.data.subarray(offset + PREFIX_BYTES, offset + PREFIX_BYTES + length);
  }

  /** Number of records taken and not yet released. */
  heldBytes(): number {
    return (this.readAt - this.releaseAt) >>> 0;
  }

  /**
   * Frees the oldest held record (after peek() without take(), frees the peeked one) so the
   * producer may overwrite it.
   */
  release(): void {
    const found = this.locate(this.releaseAt);
    assert(found >= 0, 'ring: release with no record to release');
    const offset = found & this.mask;
    const next = (found + recordBytes(this.words[DATA_WORD + (offset >> 2)]!)) >>> 0;
    this.releaseAt = next;
    if (((this.readAt - this.releaseAt) >>> 0) > this.capacityBytes) this.readAt = next;
    Atomics.store(this.words, TAIL, next | 0);
    if (Atomics.load(this.words, WAITING) === 1) Atomics.notify(this.words, TAIL, 1);
  }

  /**
   * Resolves true once an unread record is available, false when the ring is closed (and drained),
   * interrupted, or `timeoutMs` passed. Polls for up to `spinUs` first (blocking the thread that
   * long), then parks without blocking the event loop.
   */
  async waitForData(timeoutMs = Infinity, spinUs = 0): Promise<boolean> {
    const deadline = timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
    if (spinUs > 0) {
      // Polling briefly before parking trades CPU for the wake-up latency of waitAsync (an event-loop task).
      const spinUntil = performance.now() + spinUs / 1000;
      while (Atomics.load(this.words, HEAD) >>> 0 === this.readAt && !this.interrupted && performance.now() < spinUntil);
    }
    for (;;) {
      if (this.locate(this.readAt) >= 0) return true;
      if (this.interrupted || Atomics.load(this.words, CLOSED) === 1) return false;
      Atomics.store(this.words, SLEEPING, 1);
      const head = Atomics.load(this.words, HEAD);
      if ((head >>> 0) !== this.readAt || this.interrupted) {
        Atomics.store(this.words, SLEEPING, 0);
        continue;
      }
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) {
        Atomics.store(this.words, SLEEPING, 0);
        return false;
      }
      const wait = waitAsync(this.words, HEAD, head, Math.min(remainingMs, PARK_MS_MAX));
      if (wait.async) {
        if ((await wait.value) === 'timed-out' && remainingMs > PARK_MS_MAX && Atomics.load(this.words, HEAD) >>> 0 !== this.readAt) this.lostWakeups++;
        this.wakeCount++;
      }
      Atomics.store(this.words, SLEEPING, 0);
    }
  }

  /** Makes a pending and every later waitForData resolve false (this side only; the ring stays open). */
  interrupt(): void {
    this.interrupted = true;
    Atomics.notify(this.words, HEAD);
  }

  /** Position of the record at or after `at` (skipping a pad), or -1 when `at` is the head. */
  private locate(at: number): number {
    const head = Atomics.load(this.words, HEAD) >>> 0;
    if (at === head) return -1;
    assert(((head - at) >>> 0) <= this.capacityBytes, () => `ring: head ${head} is not ahead of read position ${at} (counters not monotone)`);
    const offset = at & this.mask;
    const prefix = this.words[DATA_WORD + (offset >> 2)]! >>> 0;
    if (prefix !== PAD) {
      assert(prefix <= this.recordBytesMax, () => `ring: record length ${prefix} at offset ${offset} exceeds ${this.recordBytesMax} (corrupted)`);
      return at;
    }
    const wrapped = (at + this.capacityBytes - offset) >>> 0;
    assert(wrapped !== head, 'ring: a pad record is never the last committed record');
    return wrapped;
  }
}
