// `logbench profile [SCENARIO]`: runs a scenario under a profiler and prints the top functions
// by self time. With --tool cpu-prof (the default) the run is a child `node --cpu-prof` process:
// V8 writes one .cpuprofile per thread (file names end in .<pid>.<threadId>.<seq>.cpuprofile;
// thread 0 is the main thread, where the load generator and client run). --replica leader picks
// the busiest worker-thread profile: in threads mode each replica is a worker thread and the
// leader does the most work (it frames, writes and ships every entry), so the largest sampled
// time is the leader's; with no worker threads (system null, or process mode, where replicas are
// separate processes this profiler does not follow) it falls back to the main thread and says so.
// --tool flame|doctor|bubbleprof runs clinic (with NO_INSIGHT=1, which clinic 13 needs on Node 20)
// when a `clinic` binary is installed; otherwise, or when clinic fails, it says so and falls back
// to --cpu-prof. Output goes under profiles/<UTC time>-<scenario>/ (git-ignored).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { choiceFlag, listFlag, numberFlag, stringFlag, UsageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
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

interface ThreadProfile {
  path: string;
  threadId: number;
  sampledMs: number;
  profile: CpuProfile;
}

export function readThreadProfiles(dir: string): ThreadProfile[] {
  const out: ThreadProfile[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile')).sort()) {
    const path = join(dir, name);
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isCpuProfile(value)) continue;
    // CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile
    const parts = name.split('.');
    const threadId = Number(parts[parts.length - 3]);
    const sampledMs = (value.timeDeltas ?? []).reduce((s, d) => s + d, 0) / 1000;
    out.push({ path, threadId: Number.isInteger(threadId) ? threadId : -1, sampledMs, profile: value });
  }
  return out;
}

/** Time the thread was busy (samples outside the idle and program-wait nodes). */
function busyMs(p: ThreadProfile): number {
  return topFunctions(p.profile, 1_000_000)
    .filter((f) => f.name !== '(idle)' && f.name !== '(program)' && f.name !== '(garbage collector)')
    .reduce((s, f) => s + f.selfMs, 0);
}

export function pickProfiles(profiles: readonly ThreadProfile[], replica: (typeof REPLICAS)[number]): { chosen: ThreadProfile[]; why: string } {
  if (replica === 'all') return { chosen: [...profiles], why: 'every thread' };
  const main = profiles.find((p) => p.threadId === 0) ?? profiles[0];
  const workers = profiles.filter((p) => p.threadId !== 0);
  if (replica === 'main' || workers.length === 0) {
    const why = replica === 'main' ? 'the main thread (load generator and client)' : 'the main thread: the run had no worker threads (system null, or replicas in processes), so no leader thread to pick';
    return { chosen: main === undefined ? [] : [main], why };
  }
  const ranked = workers.map((p) => ({ p, busy: busyMs(p) })).sort((a, b) => b.busy - a.busy);
  const top = ranked[0]!;
  return { chosen: [top.p], why: `the busiest worker thread (thread ${top.p.threadId}, ${top.busy.toFixed(0)} ms busy; next ${ranked[1] !== undefined ? `${ranked[1].busy.toFixed(0)} ms` : 'none'}): the leader does the most work` };
}

function runCpuProf(ctx: CommandContext, outDir: string, runArgs: string[]): number {
  const args = ['--cpu-prof', `--cpu-prof-dir=${outDir}`, cliMain(), 'run', ...runArgs, '--out', join(outDir, 'result.json')];
  ctx.log(`profile: node ${args.join(' ')}`);
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  return child.status ?? 1;
}

function runClinic(ctx: CommandContext, clinic: string, tool: string, outDir: string, runArgs: string[]): boolean {
  const args = [tool, '--dest', outDir, '--', process.execPath, cliMain(), 'run', ...runArgs, '--out', join(outDir, 'result.json')];
  ctx.log(`profile: NO_INSIGHT=1 ${clinic} ${args.join(' ')}`);
  const child = spawnSync(clinic, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NO_INSIGHT: '1' } });
  return child.status === 0;
}

export const profileCommand: Command = {
  name: 'profile',
  summary: 'run a scenario under a CPU profiler and print the top functions by self time',
  usage: '[SCENARIO] [--tool cpu-prof|flame|doctor|bubbleprof] [--replica leader|main|all] [--set k=v ...] [--out-dir DIR]',
  positionals: { min: 0, max: 1, names: 'at most one SCENARIO file' },
  flags: {
    tool: { type: 'string', valueName: 'T', description: `profiler: ${TOOLS.join(', ')} (clinic tools fall back to cpu-prof when clinic is missing or fails)`, defaultText: 'cpu-prof' },
    replica: { type: 'string', valueName: 'R', description: 'whose profile to rank: leader (busiest worker thread), main, all', defaultText: 'leader' },
    set: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'scenario override passed to `logbench run` (repeatable)' },
    seconds: { type: 'string', valueName: 'S', description: 'measured seconds of every phase (passed to `logbench run`)' },
    'out-dir': { type: 'string', valueName: 'DIR', description: 'where profiles go', defaultText: 'profiles/<UTC time>-<scenario>' },
  },
  examples: ['logbench profile bench/scenarios/default.yaml', 'logbench profile bench/scenarios/null.yaml --replica main', 'logbench profile --tool flame bench/scenarios/default.yaml'],
  async run(ctx) {
    const tool = choiceFlag(ctx.values, 'tool', TOOLS, 'cpu-prof');
    const replica = choiceFlag(ctx.values, 'replica', REPLICAS, 'leader');
    const scenario = ctx.positionals[0];
    const runArgs: string[] = [];
    if (scenario !== undefined) runArgs.push(resolve(scenario));
    for (const set of listFlag(ctx.values, 'set')) runArgs.push('--set', set);
    if (stringFlag(ctx.values, 'seconds') !== undefined) runArgs.push('--seconds', String(numberFlag(ctx.values, 'seconds', 0, { min: 0.1 })));
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const outDir = resolve(stringFlag(ctx.values, 'out-dir') ?? join('profiles', `${stamp}-${scenario === undefined ? 'flags' : basename(scenario).replace(/\.ya?ml$/, '')}`));
    mkdirSync(outDir, { recursive: true });

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
    const status = runCpuProf(ctx, outDir, runArgs);
    if (status === 2) throw new UsageError('logbench profile: `logbench run` rejected the scenario or flags (see above)');
    const profiles = readThreadProfiles(outDir);
    if (profiles.length === 0) throw new Error(`no .cpuprofile written in ${outDir} (run exited with ${status})`);
    const { chosen, why } = pickProfiles(profiles, replica);
    const lines: string[] = [];
    for (const p of chosen) {
      const top = topFunctions(p.profile, TOP_FUNCTIONS);
      lines.push(`profile: ${p.path} (thread ${p.threadId}, ${p.sampledMs.toFixed(0)} ms sampled, ${statSync(p.path).size} bytes)`);
      lines.push(`top ${TOP_FUNCTIONS} functions by self time, ${why}:`);
      lines.push(formatTopFunctions(top));
    }
    const text = lines.join('\n');
    writeFileSync(join(outDir, 'top-functions.txt'), text + '\n');
    ctx.print(`tool: ${usedTool}; ${profiles.length} thread profile(s) in ${outDir}`);
    ctx.print(text);
    ctx.emitJson({
      tool: usedTool,
      dir: outDir,
      profiles: profiles.map((p) => ({ path: p.path, threadId: p.threadId, sampledMs: Math.round(p.sampledMs) })),
      chosen: chosen.map((p) => ({ path: p.path, threadId: p.threadId, topFunctions: topFunctions(p.profile, TOP_FUNCTIONS) })),
      why,
      runExitCode: status,
    });
    return status === 0 ? 0 : 1;
  },
};
