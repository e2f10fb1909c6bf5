// One run must count once: a file named twice (`a.json`, `./a.json`, `/abs/a.json`, a symlink) or
// a byte-identical copy would pass for two runs in a comparison and narrow its interval for
// nothing, or make a comparison of a run with itself. A file is known by its real path and the
// SHA-256 of its bytes.

import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

export interface RunFileIdentity {
  path: string;
  realPath: string;
  digest: string;
}

/** The identity of a file from the bytes its reader read (the file is not read again). */
export function runFileIdentity(path: string, bytes: Uint8Array): RunFileIdentity {
  let realPath: string;
  try {
    realPath = realpathSync(path);
  } catch {
    realPath = resolve(path);
  }
  return { path, realPath, digest: createHash('sha256').update(bytes).digest('hex') };
}

/** How `later` repeats `earlier`, or null when they are different runs. */
function repeats(earlier: RunFileIdentity, later: RunFileIdentity): string | null {
  if (earlier.realPath === later.realPath) return earlier.path === later.path ? 'the same file' : `the same file as ${earlier.path}`;
  if (earlier.digest === later.digest) return `a byte-identical copy of ${earlier.path}`;
  return null;
}

/** The first file of `files` that repeats an earlier one, as "FILE: given twice <where> (...)", or null. */
export function repeatedRunProblem(files: readonly RunFileIdentity[], where: string): string | null {
  for (let i = 0; i < files.length; i++) {
    for (let j = 0; j < i; j++) {
      const how = repeats(files[j]!, files[i]!);
      if (how !== null) return `${files[i]!.path}: given twice ${where} (${how}); each run may count once`;
    }
  }
  return null;
}

/** The first file of `head` that is also in `base` (same file or same bytes), or null. */
export function sharedRunProblem(base: readonly RunFileIdentity[], head: readonly RunFileIdentity[]): string | null {
  for (const h of head) {
    for (const b of base) {
      const how = repeats(b, h);
      if (how !== null) return `${h.path}: given on both the base and the head side (${how}); a run cannot be compared with itself`;
    }
  }
  return null;
}
