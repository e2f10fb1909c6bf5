// Checks a file path a command will write, before the command does its work: a long run must not
// end by failing to write its result. The path may not be a directory; its directory must exist
// or be creatable, and be writable. Errors name the flag (exit 2).

import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './args.js';

export function checkOutputPath(flag: string, path: string): string {
  const target = resolve(path);
  if (existsSync(target) && statSync(target).isDirectory()) throw new UsageError(`flag --${flag}: ${path} is a directory; expected a file path`);
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    if (existsSync(target)) accessSync(target, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`flag --${flag}: cannot write ${path} (${code} on ${existsSync(target) ? target : dir}); expected a writable file path`);
  }
  return target;
}
