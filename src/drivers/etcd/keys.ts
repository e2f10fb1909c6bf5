// Keys of appended entries: `<prefix>/<producer>/<sequence>` from the payload's load tag, so one
// put per (producer, sequence) and a retried put overwrites its own key rather than adding a
// second one. Untagged payloads fall back to `<prefix>/untagged/<counter>`.

import { readTag } from '../../check/tag.js';

export class EntryKeys {
  private untaggedCount = 0;
  readonly prefix: string;

  /** runPrefix: e.g. "logbench/run-1a2b"; must be non-empty and must not end in "/". */
  constructor(runPrefix: string) {
    if (runPrefix === '' || runPrefix.endsWith('/')) throw new RangeError(`etcd key prefix "${runPrefix}": expected a non-empty prefix without a trailing "/"`);
    this.prefix = `${runPrefix}/`;
  }

  keyFor(payload: Uint8Array): string {
    const tag = readTag(payload);
    if (tag) return `${this.prefix}${tag.producer}/${tag.sequence}`;
    return `${this.prefix}untagged/${this.untaggedCount++}`;
  }

  /** First key after every key that starts with the prefix (etcd's range_end for a prefix). */
  rangeEnd(): Buffer {
    const end = Buffer.from(this.prefix);
    end[end.length - 1] = end[end.length - 1]! + 1; // "/" + 1 = "0": prefix ends in "/", never 0xff
    return end;
  }
}
