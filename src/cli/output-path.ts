// Checks a file path a command will write, before the command does its work: a long run must not
// end by failing to write its result. Nothing is created here (a mistyped path must not leave
// directories behind): the path may not be a directory or end in a separator, and the nearest
// existing directory on its way must be writable (the writer creates what is missing). Errors name
// the flag (exit 2).

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { UsageError } from './args.js';

function existing(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

export function checkOutputPath(flag: string, path: string): string {
  if (path.endsWith(sep) || path.endsWith('/')) throw new UsageError(`flag --${flag}: ${path} ends in a separator; expected a file path`);
  const target = resolve(path);
  if (existing(target)?.isDirectory() === true) throw new UsageError(`flag --${flag}: ${path} is a directory; expected a file path`);
  let dir = dirname(target);
  while (existing(dir) === undefined && dirname(dir) !== dir) dir = dirname(dir);
  const stat = existing(dir);
  if (stat === undefined || !stat.isDirectory()) throw new UsageError(`flag --${flag}: cannot write ${path}: ${dir} is not a directory; expected a file path in a writable directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new UsageError(`flag --${flag}: cannot write ${path}: ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'}); expected a file path in a writable directory`);
  }
  return target;
}

/** The default results directory (no --out given) must be writable too, before the run. */
export function checkResultsDir(dir: string): void {
  try {
    checkOutputPath('out', join(dir, 'result.json'));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(`results directory ${dir}: not writable (${error.message.replace(/^flag --out: /, '')}); pass --out FILE to write the result elsewhere`);
  }
}
