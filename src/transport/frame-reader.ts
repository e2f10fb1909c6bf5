// Splits a TCP byte stream into length-prefixed frames: u32 little-endian length, then that many
// bytes. A frame that lies within one received chunk is handed out as a view of it (zero-copy);
// a frame spanning chunks is assembled once into a buffer of its exact size (no repeated concat).
//
// Invariants: every frame length is within [frameBytesMin, frameBytesMax] — otherwise push()
// throws FrameError and the stream must be dropped (it cannot be resynchronized); frames come out
// in stream order; handed-out views are never written to again (socket chunks are not reused).

export const FRAME_PREFIX_BYTES = 4;

export class FrameError extends Error {
  override name = 'FrameError';
}

export class FrameReader {
  private readonly prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
  private prefixFill = 0;
  private body: Buffer | undefined;
  private bodyFill = 0;

  /** Bounds may change between frames (e.g. once a handshake is done), also from inside onFrame. */
  constructor(public frameBytesMin: number, public frameBytesMax: number) {}

  /** Feeds a chunk; calls onFrame for each completed frame, in order. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.body === undefined) {
        let length: number;
        if (this.prefixFill === 0 && end - at >= FRAME_PREFIX_BYTES) {
          length = chunk.readUInt32LE(at);
          at += FRAME_PREFIX_BYTES;
        } else {
          const n = Math.min(FRAME_PREFIX_BYTES - this.prefixFill, end - at);
          chunk.copy(this.prefix, this.prefixFill, at, at + n);
          this.prefixFill += n;
          at += n;
          if (this.prefixFill < FRAME_PREFIX_BYTES) return;
          this.prefixFill = 0;
          length = this.prefix.readUInt32LE(0);
        }
        if (length < this.frameBytesMin || length > this.frameBytesMax) {
          throw new FrameError(`frame length ${length} outside [${this.frameBytesMin}, ${this.frameBytesMax}] (not a logbench peer, or a corrupted stream)`);
        }
        if (end - at >= length) {
          onFrame(chunk.subarray(at, at + length));
          at += length;
          continue;
        }
        this.body = Buffer.allocUnsafe(length);
        this.bodyFill = 0;
      }
      const body = this.body;
      const n = Math.min(body.length - this.bodyFill, end - at);
      chunk.copy(body, this.bodyFill, at, at + n);
      this.bodyFill += n;
      at += n;
      if (this.bodyFill === body.length) {
        this.body = undefined;
        onFrame(body);
      }
    }
  }

  /** Bytes of a partly received frame (for diagnostics at close). */
  partialBytes(): number {
    return this.prefixFill + (this.body === undefined ? 0 : FRAME_PREFIX_BYTES + this.bodyFill);
  }
}
