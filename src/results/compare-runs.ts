// Running `logbench run` as child processes for `logbench ab` and `logbench calibrate`, and the
// git worktrees `ab` builds each ref in. A child process per run: every run starts from a fresh
// process (no JIT or heap state carried from the previous run), and `ab` runs each ref's own
// build. Worktrees live under os.tmpdir() and are removed (git worktree remove --force) even
// when a run fails. Builds and runs are asynchronous children, each in its own process group, so
// that a SIGINT/SIGTERM handler of `ab` or `calibrate` can run while they do and kill them with
// everything they started (killChildren: `ensure-build.mjs` starts tsc, which a kill of its pid alone orphans).

import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { LOAD_NODE_FLAGS } from '../cli/node-flags.js';
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

type ChildResult = Pick<SpawnSyncReturns<string>, 'status' | 'signal' | 'stdout' | 'stderr'>;

function step(what: string, r: ChildResult): void {
  if (r.status !== 0) throw new RunFailedError(`${what} failed (exit ${r.status ?? r.signal}):\n${`${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n')}`);
}

/** Children started by spawnChild that have not exited yet. */
const liveChildren = new Set<ChildProcess>();

/** Like spawnSync (output collected, stdin ignored), but the event loop keeps running, and the child leads its own process group. */
function spawnChild(command: string, args: readonly string[], cwd: string): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      liveChildren.delete(child);
      reject(new RunFailedError(`${command}: ${error.message}`));
    });
    child.on('close', (status, signal) => {
      liveChildren.delete(child);
      resolvePromise({ status, signal, stdout, stderr });
    });
  });
}

/** How long killChildren lets a child clean up after SIGTERM before SIGKILL. */
const CHILD_CLEANUP_MS_MAX = 5_000;

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

/** Waits (blocking) until none of the groups is left or `ms` passed. */
function waitGroupsGone(pids: readonly number[], ms: number): void {
  const deadlineMs = performance.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (pids.some((pid) => signalGroup(pid, 0)) && performance.now() < deadlineMs) Atomics.wait(pause, 0, 0, 20);
}

/**
 * Ends the process group of every child still running (for a SIGINT/SIGTERM handler, so it
 * blocks). SIGTERM first: a `logbench run` child then stops its load and writes a partial result,
 * and stops what it started (etcd/NATS servers run in their own process groups, which a SIGKILL of
 * the child's group would orphan; temporary data directories). A second SIGTERM after
 * CHILD_CLEANUP_MS_MAX makes it quit at once (its exit still stops those), and SIGKILL ends
 * whatever is left a while later.
 */
export function killChildren(): void {
  const pids = [...liveChildren].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  liveChildren.clear();
  const running = pids.filter((pid) => signalGroup(pid, 'SIGTERM'));
  waitGroupsGone(running, CHILD_CLEANUP_MS_MAX);
  for (const pid of running) signalGroup(pid, 'SIGTERM');
  waitGroupsGone(running, 2_000);
  for (const pid of running) signalGroup(pid, 'SIGKILL');
}

/**
 * A fresh worktree of `commit` under os.tmpdir(), not built yet (buildCheckout). Separate from the
 * build so that the caller knows the worktree, and can remove it, while the build runs.
 */
export function addCheckout(repo: string, commit: string, label: string, log: (line: string) => void): Checkout {
  const parent = mkdtempSync(join(tmpdir(), `logbench-ab-${label}-`));
  const dir = join(parent, 'tree');
  log(`ab: git worktree add ${dir} ${commit.slice(0, 12)}`);
  try {
    git(repo, ['worktree', 'add', '--detach', '--quiet', dir, commit]);
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
  return { commit, dir, modules: 'none yet (not built)' };
}

/**
 * Provides node_modules and builds dist/ in a checkout (addCheckout). Modules: when the commit's
 * package-lock.json equals the main tree's, node_modules is a symlink to the main tree's (no
 * network, seconds); otherwise `npm ci --offline` from the npm cache; when that fails too, the
 * symlink is used anyway and `checkout.modules` says so.
 */
export async function buildCheckout(repo: string, checkout: Checkout, label: string, log: (line: string) => void): Promise<void> {
  const { commit, dir } = checkout;
  let modules = 'symlink to the main tree\'s node_modules (same package-lock.json)';
  const mainModules = join(repo, 'node_modules');
  if (!sameFile(join(dir, 'package-lock.json'), join(repo, 'package-lock.json'))) {
    log('ab: package-lock.json differs from the main tree: npm ci --offline');
    const r = await spawnChild('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir);
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
  checkout.modules = modules;
  log(`ab: building ${label} (${commit.slice(0, 12)})`);
  const ensure = join(dir, 'scripts', 'ensure-build.mjs');
  if (existsSync(ensure)) step(`build of ${label} (node scripts/ensure-build.mjs)`, await spawnChild(process.execPath, [ensure], dir));
  else step(`build of ${label} (tsc)`, await spawnChild(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], dir));
  const main = join(dir, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new RunFailedError(`${label} (${commit.slice(0, 12)}) has no dist/src/cli/main.js after the build`);
  const help = await spawnChild(process.execPath, [main, 'run', '--help'], dir);
  if (help.status !== 0) throw new RunFailedError(`${label} (${commit.slice(0, 12)}) has no \`logbench run\` command; pick refs that include it`);
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

/** One `logbench run` in an asynchronous child process (killChildren stops it); its output is quoted when it fails. */
export async function runOnce(spec: RunSpec, log: (line: string) => void): Promise<void> {
  const args = [...LOAD_NODE_FLAGS, spec.main, 'run', ...(spec.scenario !== undefined ? [spec.scenario] : []), ...spec.sets.flatMap((s) => ['--set', s]), '--out', spec.outPath];
  log(`run: node ${args.join(' ')}`);
  const r = await spawnChild(process.execPath, args, spec.cwd);
  if (r.status !== 0 || !existsSync(spec.outPath)) {
    throw new RunFailedError(`logbench run exited with ${r.status ?? r.signal}${r.status === 2 ? ' (bad scenario or flags)' : ''}:\n${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-15).join('\n')}`);
  }
}
