// `logbench profile [SCENARIO]`: runs a scenario under a profiler and prints the top functions
// by self time. With --tool cpu-prof (the default) the run is a child `node --cpu-prof` process:
// V8 writes one .cpuprofile per thread (file names end in .<pid>.<threadId>.<seq>.cpuprofile;
// thread 0 of the child's pid is the main thread, where the load generator and client run), and
// per thread of every process the child forks (process mode: each replica is a process, which
// inherits --cpu-prof). --replica leader picks the busiest profile other than the main thread's:
// each replica is a worker thread (threads mode) or a process (process mode), and the leader does
// the most work (it frames, writes and ships every entry), so the largest busy time is the
// leader's; with neither (system null) it falls back to the main thread and says so.
// --tool flame|doctor|bubbleprof runs clinic (with NO_INSIGHT=1, which clinic 13 needs on Node 20)
// when a `clinic` binary is installed; otherwise, or when clinic fails, it says so and falls back
// to --cpu-prof. Output goes under profiles/<UTC time>-<scenario>/ (git-ignored). The scenario and
// flags are checked before the child starts (exit 2), and what a run that wrote no result left in
// the output directory is removed. Under --json the child's own output goes to stderr.

import { spawnSync } from 'node:child_process';
import { LOAD_NODE_FLAGS } from '../node-flags.js';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { choiceFlag, listFlag, numberFlag, stringFlag, UsageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { checkOutputPath, discardOutputDir, makeOutputDir } from '../output-path.js';
import { scenarioForRun } from './run.js';
import { formatTopFunctions, isCpuProfile, topFunctions, type CpuProfile } from '../../results/cpu-profile.js';

const TOOLS = ['cpu-prof', 'flame', 'doctor', 'bubbleprof'] as const;
const REPLICAS = ['leader', 'main', 'all'] as const;
const TOP_FUNCTIONS = 15;

function cliMain(): string {
  // This file is dist/src/cli/commands/profile.js; the CLI entry is dist/src/cli/main.js.
  return resolve(import.meta.dirname, '..', 'main.js');
}

function findClinic(): string | undefined {
  const local = resolve(import.meta.dirname, '..', '..', '..', '..', 'node_modules', '.bin', 'clinic');
  if (existsSync(local)) return local;
  const which = spawnSync('sh', ['-c', 'command -v clinic'], { encoding: 'utf8' });
  const path = which.stdout.trim();
  return which.status === 0 && path !== '' ? path : undefined;
}

export interface ThreadProfile {
  path: string;
  /** Process id from the file name, -1 when the name does not have one. */
  pid: number;
  threadId: number;
  /** Not the child's main process: a replica process (process mode) or one of its threads. */
  otherProcess: boolean;
  sampledMs: number;
  profile: CpuProfile;
}

/** Pid and thread id from a V8 profile name: CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile. */
export function profileFileIds(name: string): { pid: number; threadId: number } {
  const parts = name.split('.');
  const id = (text: string | undefined): number => (text !== undefined && /^\d+$/.test(text) ? Number(text) : -1);
  return { pid: id(parts[parts.length - 4]), threadId: id(parts[parts.length - 3]) };
}

/** The profiles in `dir`; `mainPid` is the profiled child's pid (others are processes it started). */
export function readThreadProfiles(dir: string, mainPid: number | undefined): ThreadProfile[] {
  const out: ThreadProfile[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile')).sort()) {
    const path = join(dir, name);
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isCpuProfile(value)) continue;
    const { pid, threadId } = profileFileIds(name);
    const sampledMs = (value.timeDeltas ?? []).reduce((s, d) => s + d, 0) / 1000;
    out.push({ path, pid, threadId, otherProcess: mainPid !== undefined && pid !== mainPid, sampledMs, profile: value });
  }
  return out;
}

/** "thread 2", "process 4242", "process 4242 thread 1". */
function profileLabel(p: ThreadProfile): string {
  if (!p.otherProcess) return `thread ${p.threadId}`;
  return `process ${p.pid}${p.threadId === 0 ? '' : ` thread ${p.threadId}`}`;
}

/** Time the thread was busy (samples outside the idle and program-wait nodes). */
function busyMs(p: Pick<ThreadProfile, 'profile'>): number {
  return topFunctions(p.profile, 1_000_000)
    .filter((f) => f.name !== '(idle)' && f.name !== '(program)' && f.name !== '(garbage collector)')
    .reduce((s, f) => s + f.selfMs, 0);
}

export function pickProfiles(profiles: readonly ThreadProfile[], replica: (typeof REPLICAS)[number]): { chosen: ThreadProfile[]; why: string } {
  if (replica === 'all') return { chosen: [...profiles], why: profiles.some((p) => p.otherProcess) ? 'every process and thread' : 'every thread' };
  const isMain = (p: ThreadProfile): boolean => !p.otherProcess && p.threadId === 0;
  const main = profiles.find(isMain) ?? profiles[0];
  const others = profiles.filter((p) => !isMain(p));
  if (replica === 'main' || others.length === 0) {
    const why = replica === 'main' ? 'the main thread (load generator and client)' : 'the main thread: the run had no worker threads or replica processes (system null), so no leader to pick';
    return { chosen: main === undefined ? [] : [main], why };
  }
  const ranked = others.map((p) => ({ p, busy: busyMs(p) })).sort((a, b) => b.busy - a.busy);
  const top = ranked[0]!;
  const kind = top.p.otherProcess ? 'replica process' : 'worker thread';
  return { chosen: [top.p], why: `the busiest ${kind} (${profileLabel(top.p)}, ${top.busy.toFixed(0)} ms busy; next ${ranked[1] !== undefined ? `${ranked[1].busy.toFixed(0)} ms` : 'none'}): the leader does the most work` };
}

function wroteFileSince(path: string, sinceMs: number): boolean {
  try {
    const stat = statSync(path);
    // mtime can be a little older than Date.now() at the start (coarser file-system clock).
    return stat.isFile() && stat.mtimeMs >= sinceMs - 1000;
  } catch {
    return false;
  }
}

/** Where the profiled child's stdout goes: ours, or stderr under --json (stdout is one JSON object). */
function childStdout(ctx: CommandContext): 'inherit' | number {
  return ctx.json ? 2 : 'inherit';
}

function runCpuProf(ctx: CommandContext, outDir: string, runArgs: string[]): { status: number; pid: number | undefined } {
  const args = [...LOAD_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${outDir}`, cliMain(), 'run', ...runArgs, '--out', join(outDir, 'result.json')];
  ctx.log(`profile: node ${args.join(' ')}`);
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', childStdout(ctx), 'inherit'] });
  return { status: child.status ?? 1, pid: child.pid };
}

function runClinic(ctx: CommandContext, clinic: string, tool: string, outDir: string, runArgs: string[]): boolean {
  const args = [tool, '--dest', outDir, '--', process.execPath, ...LOAD_NODE_FLAGS, cliMain(), 'run', ...runArgs, '--out', join(outDir, 'result.json')];
  ctx.log(`profile: NO_INSIGHT=1 ${clinic} ${args.join(' ')}`);
  const child = spawnSync(clinic, args, { stdio: ['ignore', childStdout(ctx), 'inherit'], env: { ...process.env, NO_INSIGHT: '1' } });
  return child.status === 0;
}

export const profileCommand: Command = {
  name: 'profile',
  summary: 'run a scenario under a CPU profiler and print the top functions by self time',
  usage: '[SCENARIO] [--tool cpu-prof|flame|doctor|bubbleprof] [--replica leader|main|all] [--set k=v ...] [--out-dir DIR]',
  positionals: { min: 0, max: 1, names: 'at most one SCENARIO file' },
  flags: {
    tool: { type: 'string', valueName: 'T', description: `profiler: ${TOOLS.join(', ')} (clinic tools fall back to cpu-prof when clinic is missing or fails)`, defaultText: 'cpu-prof' },
    replica: { type: 'string', valueName: 'R', description: 'whose profile to rank: leader (busiest worker thread or replica process), main, all', defaultText: 'leader' },
    set: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'scenario override passed to `logbench run` (repeatable)' },
    seconds: { type: 'string', valueName: 'S', description: 'measured seconds of every phase (passed to `logbench run`)' },
    'out-dir': { type: 'string', valueName: 'DIR', description: 'where profiles go', defaultText: 'profiles/<UTC time>-<scenario>' },
  },
  examples: ['logbench profile bench/scenarios/default.yaml', 'logbench profile bench/scenarios/null.yaml --replica main', 'logbench profile --tool flame bench/scenarios/default.yaml'],
  async run(ctx) {
    const tool = choiceFlag(ctx.values, 'tool', TOOLS, 'cpu-prof');
    const replica = choiceFlag(ctx.values, 'replica', REPLICAS, 'leader');
    const scenario = ctx.positionals[0];
    const sets = listFlag(ctx.values, 'set');
    const seconds = stringFlag(ctx.values, 'seconds') !== undefined ? numberFlag(ctx.values, 'seconds', 0, { min: 0.1 }) : undefined;
    // What `logbench run` would refuse is refused here, before a profiled child starts.
    scenarioForRun(scenario, sets, { seconds }, 'profile');
    const runArgs: string[] = [];
    if (scenario !== undefined) runArgs.push(resolve(scenario));
    for (const set of sets) runArgs.push('--set', set);
    if (seconds !== undefined) runArgs.push('--seconds', String(seconds));
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const outDir = resolve(stringFlag(ctx.values, 'out-dir') ?? join('profiles', `${stamp}-${scenario === undefined ? 'flags' : basename(scenario).replace(/\.ya?ml$/, '')}`));
    checkOutputPath('out-dir', join(outDir, 'top-functions.txt'));
    const out = makeOutputDir('out-dir', outDir);

    let usedTool: string = tool;
    if (tool !== 'cpu-prof') {
      const clinic = findClinic();
      if (clinic === undefined) {
        ctx.log(`profile: clinic is not installed (npm install --save-dev clinic to use --tool ${tool}); falling back to node --cpu-prof`);
        usedTool = 'cpu-prof (clinic unavailable)';
      } else if (runClinic(ctx, clinic, tool, outDir, runArgs)) {
        ctx.print(`profile: clinic ${tool} output in ${outDir}`);
        ctx.emitJson({ tool, dir: outDir, topFunctions: [] });
        return 0;
      } else {
        ctx.log(`profile: clinic ${tool} failed; falling back to node --cpu-prof`);
        usedTool = `cpu-prof (clinic ${tool} failed)`;
      }
    }
    const startedMs = Date.now();
    const { status, pid } = runCpuProf(ctx, outDir, runArgs);
    // A run that wrote no result stopped before (or while) doing its work: its profile is not one of the workload.
    if (status === 2 || (status !== 0 && !wroteFileSince(join(outDir, 'result.json'), startedMs))) {
      discardOutputDir(out);
      if (status === 2) throw new UsageError(`logbench profile: \`logbench run\` rejected the scenario or flags (see above); removed what it wrote in ${outDir}`);
      throw new Error(`the profiled run exited with ${status} before writing a result (see above); removed what it wrote in ${outDir}`);
    }
    const profiles = readThreadProfiles(outDir, pid);
    if (profiles.length === 0) throw new Error(`no .cpuprofile written in ${outDir} (run exited with ${status})`);
    const { chosen, why } = pickProfiles(profiles, replica);
    const lines: string[] = [];
    for (const p of chosen) {
      const top = topFunctions(p.profile, TOP_FUNCTIONS);
      lines.push(`profile: ${p.path} (${profileLabel(p)}, ${p.sampledMs.toFixed(0)} ms sampled, ${statSync(p.path).size} bytes)`);
      lines.push(`top ${TOP_FUNCTIONS} functions by self time, ${why}:`);
      lines.push(formatTopFunctions(top));
    }
    const text = lines.join('\n');
    writeFileSync(join(outDir, 'top-functions.txt'), text + '\n');
    const processes = new Set(profiles.map((p) => p.pid)).size;
    ctx.print(`tool: ${usedTool}; ${profiles.length} ${processes > 1 ? `profile(s) of ${processes} processes` : 'thread profile(s)'} in ${outDir}`);
    ctx.print(text);
    ctx.emitJson({
      tool: usedTool,
      dir: outDir,
      profiles: profiles.map((p) => ({ path: p.path, pid: p.pid, threadId: p.threadId, sampledMs: Math.round(p.sampledMs) })),
      chosen: chosen.map((p) => ({ path: p.path, pid: p.pid, threadId: p.threadId, topFunctions: topFunctions(p.profile, TOP_FUNCTIONS) })),
      why,
      runExitCode: status,
    });
    // An interrupted run (130/143) that still wrote its result keeps its exit code.
    return status === 0 ? 0 : status === 130 || status === 143 ? status : 1;
  },
};
