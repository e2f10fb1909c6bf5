// Writes a result file: validated against the schema first (an invalid result is a bug and is
// never written), to results/<UTC time>-<short commit>-<scenario>.json unless a path is given.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { makeDirectory } from '../storage/directory.js';
import type { RunResult } from './result-types.js';
import { assertValidResult } from './validate.js';

/** Where results go when no path is given: results/ under the working directory. */
export function defaultResultsDir(): string {
  return join(process.cwd(), 'results');
}

export function defaultResultPath(result: RunResult, dir: string = defaultResultsDir()): string {
  const time = result.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const commit = result.environment.git.commit?.slice(0, 8) ?? 'nogit';
  const dirty = result.environment.git.dirty === true ? '+dirty' : '';
  const scenario = result.scenario.name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return join(dir, `${time}-${commit}${dirty}-${scenario}.json`);
}

/** Validates, then writes atomically (temp file + rename). Returns the absolute path. */
export function writeResult(result: RunResult, path?: string): string {
  const target = resolve(path ?? defaultResultPath(result));
  assertValidResult(result, target);
  makeDirectory(dirname(target));
  const temp = `${target}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, JSON.stringify(result, null, 1) + '\n');
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return target;
}
