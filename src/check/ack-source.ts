// Where the ledger's acks come from: the generators' ack log (chunked typed arrays, walked with
// forEach, nothing allocated per ack) or any iterable of {producer, sequence, index} (tests,
// peer drivers). An iterable is copied once into flat typed arrays, because the ledger walks the
// acks more than once and an iterable (a generator function) may be walkable only once.
// Every ack is checked at the boundary: producer a u32, sequence and index non-negative safe
// integers.

import { AssertionError } from '../assert.js';

export interface Ack {
  producer: number;
  sequence: number;
  index: number;
}

/** The shape of src/load/ack-log.ts's AckLog that the ledger uses. */
export interface AckLogLike {
  readonly length: number;
  /** True when the log stopped recording (its bound was reached): the ledger saw only a prefix. */
  readonly truncated: boolean;
  forEach(fn: (producer: number, sequence: number, index: number) => void): void;
}

export type AckSource = Iterable<Ack> | AckLogLike;

/** Acks the ledger can walk any number of times. */
export interface AckWalk {
  readonly length: number;
  readonly truncated: boolean;
  forEach(fn: (producer: number, sequence: number, index: number) => void): void;
}

const U32_MAX = 0xffff_ffff;
const COLLECT_CAPACITY_MIN = 1024;

function isAckLogLike(source: AckSource): source is AckLogLike {
  // Arrays have forEach and length too (with another signature): only a log carries `truncated`.
  return !Array.isArray(source) && typeof (source as Partial<AckLogLike>).forEach === 'function' && typeof (source as Partial<AckLogLike>).truncated === 'boolean';
}

/** Throws unless the ack is well-formed. No assert message closures: this runs once per ack. */
export function checkAck(producer: number, sequence: number, index: number, position: number): void {
  if (!Number.isInteger(producer) || producer < 0 || producer > U32_MAX) throw new AssertionError(`ack ${position}: producer must be a u32, got ${producer}`);
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new AssertionError(`ack ${position}: sequence must be a non-negative safe integer, got ${sequence}`);
  if (!Number.isSafeInteger(index) || index < 0) throw new AssertionError(`ack ${position}: index must be a non-negative safe integer, got ${index}`);
}

class CollectedAcks implements AckWalk {
  readonly truncated = false;
  private producers = new Float64Array(COLLECT_CAPACITY_MIN);
  private sequences = new Float64Array(COLLECT_CAPACITY_MIN);
  private indexes = new Float64Array(COLLECT_CAPACITY_MIN);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(producer: number, sequence: number, index: number): void {
    if (this.count === this.producers.length) this.grow();
    this.producers[this.count] = producer;
    this.sequences[this.count] = sequence;
    this.indexes[this.count] = index;
    this.count++;
  }

  forEach(fn: (producer: number, sequence: number, index: number) => void): void {
    const { producers, sequences, indexes } = this;
    for (let i = 0; i < this.count; i++) fn(producers[i]!, sequences[i]!, indexes[i]!);
  }

  private grow(): void {
    const capacity = this.producers.length * 2;
    const grown = (from: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const to = new Float64Array(capacity);
      to.set(from);
      return to;
    };
    this.producers = grown(this.producers);
    this.sequences = grown(this.sequences);
    this.indexes = grown(this.indexes);
  }
}

/** A re-walkable view of the acks; an ack log is used in place, an iterable is copied once. */
export function toAckWalk(source: AckSource): AckWalk {
  if (isAckLogLike(source)) return source;
  const collected = new CollectedAcks();
  for (const ack of source) collected.push(ack.producer, ack.sequence, ack.index);
  return collected;
}
