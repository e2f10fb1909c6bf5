// Checks a file path a command will write, before the command does its work: a long run must not
// end by failing to write its result. The check creates nothing (a mistyped path must not leave
// directories behind): the path may not be a directory or end in a separator, and the nearest
// existing directory on its way must be writable (the writer creates what is missing). Directories
// are created only by makeDirectory (storage/directory.ts), which makes the same check first and
// never runs a recursive mkdir. Errors name the flag (exit 2).

import { readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { DirectoryError, makeDirectory, nearestExisting, writableDirectoryProblem } from '../storage/directory.js';
import { UsageError } from './args.js';

function existing(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * A directory a command creates when missing (a replica's data directory): checked and created
 * here, before the command starts anything. Returns its absolute path.
 */
export function makeDirectoryPath(flag: string, path: string): string {
  try {
    return makeDirectory(path).dir;
  } catch (error) {
    if (error instanceof DirectoryError) throw new UsageError(`flag --${flag}: ${error.detail}; expected a writable directory (created if missing)`);
    throw error;
  }
}

export function checkOutputPath(flag: string, path: string): string {
  if (path.endsWith(sep) || path.endsWith('/')) throw new UsageError(`flag --${flag}: ${path} ends in a separator; expected a file path`);
  const target = resolve(path);
  if (existing(target)?.isDirectory() === true) throw new UsageError(`flag --${flag}: ${path} is a directory; expected a file path`);
  const dir = nearestExisting(dirname(target));
  const problem = writableDirectoryProblem(dir);
  if (problem !== undefined) throw new UsageError(`flag --${flag}: cannot write ${path}: ${dir} ${problem}; expected a file path in a writable directory`);
  return target;
}

/** Where a result goes: `--out` when given, else `defaultDir` (results/); checked before the run. */
export function checkResultOutput(outPath: string | undefined, defaultDir: string): void {
  if (outPath !== undefined) {
    checkOutputPath('out', outPath);
    return;
  }
  try {
    checkOutputPath('out', join(defaultDir, 'result.json'));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(`results directory ${defaultDir}: not writable (${error.message.replace(/^flag --out: /, '')}); pass --out FILE to write the result elsewhere`);
  }
}

/** Writes a checked output file, creating the directories it lacks. */
export function writeOutputFile(path: string, text: string): void {
  makeDirectory(dirname(resolve(path)));
  writeFileSync(path, text);
}

/** An output directory a command made (makeOutputDir), so that a failure can take back what it added. */
export interface OutputDir {
  dir: string;
  /** The first directory mkdir created on the way to `dir` (makeDirectory's `created`), or undefined when `dir` existed. */
  created: string | undefined;
  /** Names in `dir` before the command wrote anything. */
  before: ReadonlySet<string>;
}

/** Creates `dir` (what is missing of it); a directory that cannot be made is bad input naming `--flag`. */
export function makeOutputDir(flag: string, dir: string): OutputDir {
  let created: string | undefined;
  try {
    created = makeDirectory(dir).created;
  } catch (error) {
    if (!(error instanceof DirectoryError)) throw error;
    throw new UsageError(`flag --${flag}: ${error.detail}; expected a directory that can be created and written`);
  }
  return { dir, created, before: new Set(readdirSync(dir)) };
}

/** Removes the directories makeOutputDir created, from `dir` up, as long as they are empty (what a command wrote stays). */
export function removeOutputDirIfEmpty(out: OutputDir): void {
  if (out.created === undefined) return;
  for (let dir = out.dir; ; dir = dirname(dir)) {
    try {
      if (readdirSync(dir).length > 0) return;
      rmdirSync(dir);
    } catch {
      return;
    }
    if (dir === out.created || dirname(dir) === dir) return;
  }
}

/** Takes back everything a failed command wrote in its output directory: the new entries, then the directories it created. */
export function discardOutputDir(out: OutputDir): void {
  let names: string[] = [];
  try {
    names = readdirSync(out.dir);
  } catch {
    return;
  }
  for (const name of names) if (!out.before.has(name)) rmSync(join(out.dir, name), { recursive: true, force: true });
  removeOutputDirIfEmpty(out);
}
