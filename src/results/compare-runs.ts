// Running `logbench run` as child processes for `logbench ab` and `logbench calibrate`, and the
// git worktrees `ab` builds each ref in. A child process per run: every run starts from a fresh
// process (no JIT or heap state carried from the previous run), and `ab` runs each ref's own
// build. Worktrees live under os.tmpdir() and are removed (git worktree remove --force) even
// when a run fails.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class RunFailedError extends Error {
  override name = 'RunFailedError';
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new RunFailedError(`git ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

export function repoRoot(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']);
}

export function resolveCommit(repo: string, ref: string): string {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new RunFailedError(`git ref "${ref}": not a commit in ${repo}`);
  }
}

export interface Checkout {
  commit: string;
  dir: string;
  /** How node_modules was provided: symlink to the main tree's, or npm ci --offline. */
  modules: string;
}

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

function step(what: string, r: SpawnSyncReturns<string>): void {
  if (r.status !== 0) throw new RunFailedError(`${what} failed (exit ${r.status ?? r.signal}):\n${`${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n')}`);
}

/**
 * Checks out `commit` into a fresh worktree, provides node_modules and builds dist/. Modules:
 * when the commit's package-lock.json equals the main tree's, node_modules is a symlink to the
 * main tree's (no network, seconds); otherwise `npm ci --offline` from the npm cache; when that
 * fails too, the symlink is used anyway and the returned `modules` says so.
 */
export function prepareCheckout(repo: string, commit: string, label: string, log: (line: string) => void): Checkout {
  const parent = mkdtempSync(join(tmpdir(), `logbench-ab-${label}-`));
  const dir = join(parent, 'tree');
  log(`ab: git worktree add ${dir} ${commit.slice(0, 12)}`);
  git(repo, ['worktree', 'add', '--detach', '--quiet', dir, commit]);
  let modules = 'symlink to the main tree\'s node_modules (same package-lock.json)';
  const mainModules = join(repo, 'node_modules');
  if (!sameFile(join(dir, 'package-lock.json'), join(repo, 'package-lock.json'))) {
    log('ab: package-lock.json differs from the main tree: npm ci --offline');
    const r = spawnSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
    if (r.status === 0) modules = 'npm ci --offline';
    else {
      modules = 'symlink to the main tree\'s node_modules (npm ci --offline failed; dependencies may differ from the ref\'s lock file)';
      log(`ab: ${modules}`);
      rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
      symlinkSync(mainModules, join(dir, 'node_modules'), 'dir');
    }
  } else {
    symlinkSync(mainModules, join(dir, 'node_modules'), 'dir');
  }
  log(`ab: building ${label} (${commit.slice(0, 12)})`);
  const ensure = join(dir, 'scripts', 'ensure-build.mjs');
  if (existsSync(ensure)) step(`build of ${label} (node scripts/ensure-build.mjs)`, spawnSync(process.execPath, [ensure], { cwd: dir, encoding: 'utf8' }));
  else step(`build of ${label} (tsc)`, spawnSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' }));
  const main = join(dir, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new RunFailedError(`${label} (${commit.slice(0, 12)}) has no dist/src/cli/main.js after the build`);
  const help = spawnSync(process.execPath, [main, 'run', '--help'], { cwd: dir, encoding: 'utf8' });
  if (help.status !== 0) throw new RunFailedError(`${label} (${commit.slice(0, 12)}) has no \`logbench run\` command; pick refs that include it`);
  return { commit, dir, modules };
}

export function removeCheckout(repo: string, checkout: Checkout, log: (line: string) => void): void {
  const r = spawnSync('git', ['worktree', 'remove', '--force', checkout.dir], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) log(`ab: git worktree remove ${checkout.dir}: ${r.stderr.trim()}`);
  rmSync(join(checkout.dir, '..'), { recursive: true, force: true });
  spawnSync('git', ['worktree', 'prune'], { cwd: repo });
}

export interface RunSpec {
  /** dist/src/cli/main.js of the build to run. */
  main: string;
  cwd: string;
  scenario: string | undefined;
  sets: readonly string[];
  outPath: string;
}

/** One `logbench run` in a child process; its progress goes to our stderr. */
export function runOnce(spec: RunSpec, log: (line: string) => void): void {
  const args = [spec.main, 'run', ...(spec.scenario !== undefined ? [spec.scenario] : []), ...spec.sets.flatMap((s) => ['--set', s]), '--out', spec.outPath];
  log(`run: node ${args.join(' ')}`);
  const r = spawnSync(process.execPath, args, { cwd: spec.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || !existsSync(spec.outPath)) {
    throw new RunFailedError(`logbench run exited with ${r.status ?? r.signal}${r.status === 2 ? ' (bad scenario or flags)' : ''}:\n${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-15).join('\n')}`);
  }
}
