// `logbench versus`: runs the same scenario (bench/scenarios/versus.yaml: payload, phase, load)
// against several systems, one after another on this machine, at each concurrency; writes one
// result file per system × concurrency and prints a side-by-side markdown table (also written
// next to the results). Each cell starts its own fresh cluster and stops it afterwards.
// "nats-sync" is NATS with `sync_interval: always` (fsync before ack); when the installed
// nats-server cannot do that, its row says so instead of silently measuring something else.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listFlag, numberFlag, stringFlag, UsageError } from '../args.js';
import { checkOutputPath } from '../output-path.js';
import { makeDirectory } from '../../storage/directory.js';
import type { Command, CommandContext } from '../command.js';
import { DriverUnavailableError, lookupDriver } from '../../drivers/registry.js';
import { checkDataDir } from '../../drivers/engine-driver.js';
import { UnsupportedDurabilityError } from '../../drivers/nats/config.js';
import { ScenarioRunner } from '../../load/run-scenario.js';
import { loadScenarioWithOverrides, ScenarioError, type Scenario } from '../../load/scenario.js';
import { assembleResult, headlinePhase } from '../../results/assemble.js';
import { checkCorrectness } from '../../results/correctness.js';
import { collectEnvironment } from '../../results/environment.js';
import type { RunResult } from '../../results/result-types.js';
import { writeResult } from '../../results/write-result.js';

const VERSUS_SYSTEMS = ['engine', 'etcd', 'nats', 'nats-sync', 'null'] as const;
type VersusSystem = (typeof VERSUS_SYSTEMS)[number];
const DEFAULT_SCENARIO = 'bench/scenarios/versus.yaml';

export interface VersusCell {
  system: VersusSystem;
  conc: number;
  durability: string;
  opsPerSec: number | null;
  p50Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
  errors: number | null;
  ledger: string;
  resultPath: string | null;
  /** Why the cell has no numbers (system unavailable, run failed, generator saturated). */
  note: string;
}

function parseList(text: string, flag: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`flag ${flag}: expected a comma-separated list, got "${text}"`);
  return items;
}

function msText(us: number | null): string {
  return us === null ? '-' : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us} µs`;
}

export function versusTable(cells: readonly VersusCell[]): string[] {
  const lines = ['| system | conc | ops/s | p50 | p99 | p99.9 | errors | ledger | durability | note |', '|---|---:|---:|---:|---:|---:|---:|---|---|---|'];
  for (const c of cells) {
    lines.push(`| ${c.system} | ${c.conc} | ${c.opsPerSec === null ? '-' : Math.round(c.opsPerSec)} | ${msText(c.p50Us)} | ${msText(c.p99Us)} | ${msText(c.p999Us)} | ${c.errors ?? '-'} | ${c.ledger} | ${c.durability} | ${c.note} |`);
  }
  return lines;
}

function scenarioFor(file: string, system: VersusSystem, conc: number, seconds: number | undefined, sizeBytes: number | undefined, sets: readonly string[]): Scenario {
  const extra = system === 'nats-sync' ? ['driver.durabilityMode=sync-always'] : [];
  const scenario = loadScenarioWithOverrides(file, [...sets, ...extra], { system: system === 'nats-sync' ? 'nats' : system, conc, seconds, sizeBytes });
  scenario.name = `versus-${system}-c${conc}`;
  return scenario;
}

async function runCell(ctx: CommandContext, scenario: Scenario, system: VersusSystem, conc: number, outDir: string): Promise<VersusCell> {
  const base = { system, conc, opsPerSec: null, p50Us: null, p99Us: null, p999Us: null, errors: null, ledger: 'not-run', resultPath: null };
  const startedAt = new Date();
  const runner = new ScenarioRunner({ scenario, shouldStop: () => false });
  try {
    try {
      await runner.connect();
    } catch (error) {
      const unavailable = error instanceof UnsupportedDurabilityError;
      return { ...base, durability: unavailable ? 'fsync before ack: unavailable' : runner.driver.durability, note: `${unavailable ? 'unavailable' : 'did not start'}: ${error instanceof Error ? error.message : String(error)}` };
    }
    let failure: unknown;
    try {
      await runner.runAll();
    } catch (error) {
      failure = error;
    }
    const acked = runner.outcomes.reduce((s, o) => s + o.recording.counters.acked + o.recording.counters.warmupAcked, 0);
    const correctness = await checkCorrectness({ driver: runner.driver, acks: runner.ackLog, acked });
    const result: RunResult = assembleResult({
      scenario,
      driver: runner.driver,
      outcomes: runner.outcomes,
      correctness,
      environment: collectEnvironment(null),
      startedAt,
      finishedAt: new Date(),
      complete: failure === undefined && runner.outcomes.length === scenario.phases.length,
      command: ['logbench', 'versus', ...process.argv.slice(3)],
      warnings: failure !== undefined ? [`run failed: ${failure instanceof Error ? failure.message : String(failure)}`] : [],
    });
    const resultPath = writeResult(result, join(outDir, `${system}-c${conc}.json`));
    const head = headlinePhase(result);
    const saturated = head?.generator.saturated ?? false;
    const note = failure !== undefined ? `failed: ${String(failure)}` : saturated ? 'generator saturated: numbers withheld' : (head?.generator.warnings[0] ?? '');
    return {
      ...base,
      durability: result.system.durability,
      opsPerSec: head === undefined || saturated ? null : head.throughput.opsPerSec,
      p50Us: head === undefined || saturated ? null : head.latencyUs.corrected.p50Us,
      p99Us: head === undefined || saturated ? null : head.latencyUs.corrected.p99Us,
      p999Us: head === undefined || saturated ? null : head.latencyUs.corrected.p999Us,
      errors: head?.ops.errors ?? null,
      ledger: correctness.ledger,
      resultPath,
      note: note.replace(/\|/g, '/'),
    };
  } finally {
    await runner.close();
    ctx.log(`versus: ${system} c=${conc} done`);
  }
}

export const versusCommand: Command = {
  name: 'versus',
  summary: 'run the same load against engine, etcd and NATS side by side; one result per system × concurrency',
  usage: '[--systems engine,etcd,nats] [--conc 1,64,256] [--seconds S] [--size BYTES] [--scenario FILE] [--out-dir DIR]',
  flags: {
    systems: { type: 'string', valueName: 'LIST', description: `systems, in order: ${VERSUS_SYSTEMS.join(', ')} (nats-sync = NATS with sync_interval always)`, defaultText: 'engine,etcd,nats' },
    conc: { type: 'string', valueName: 'LIST', description: 'closed-loop concurrencies', defaultText: '1,64,256' },
    seconds: { type: 'string', valueName: 'S', description: 'measured seconds per run', defaultText: 'the scenario\'s (5)' },
    size: { type: 'string', valueName: 'BYTES', description: 'payload size', defaultText: 'the scenario\'s (1024)' },
    scenario: { type: 'string', valueName: 'FILE', description: 'scenario every run starts from', defaultText: DEFAULT_SCENARIO },
    set: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'scenario override for every run (repeatable)' },
    'out-dir': { type: 'string', valueName: 'DIR', description: 'where the result files and versus.md go', defaultText: 'results/versus-<UTC time>' },
  },
  examples: ['logbench versus', 'logbench versus --systems engine,etcd,nats,nats-sync --conc 1,64,256 --seconds 10', 'logbench versus --systems etcd --conc 64 --seconds 3 --json'],
  async run(ctx) {
    const systems = parseList(stringFlag(ctx.values, 'systems') ?? 'engine,etcd,nats', '--systems').map((s) => {
      if (!(VERSUS_SYSTEMS as readonly string[]).includes(s)) throw new UsageError(`flag --systems: unknown system "${s}"; expected some of ${VERSUS_SYSTEMS.join(', ')}`);
      return s as VersusSystem;
    });
    const concs = parseList(stringFlag(ctx.values, 'conc') ?? '1,64,256', '--conc').map((c) => {
      const n = Number(c);
      if (!Number.isInteger(n) || n < 1 || n > 65_536) throw new UsageError(`flag --conc: expected integers in 1..65536, got "${c}"`);
      return n;
    });
    const seconds = stringFlag(ctx.values, 'seconds') === undefined ? undefined : numberFlag(ctx.values, 'seconds', 5, { min: 0.1 });
    const sizeBytes = stringFlag(ctx.values, 'size') === undefined ? undefined : numberFlag(ctx.values, 'size', 1024, { min: 16 });
    const file = stringFlag(ctx.values, 'scenario') ?? DEFAULT_SCENARIO;
    const sets = listFlag(ctx.values, 'set');
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const outDir = resolve(stringFlag(ctx.values, 'out-dir') ?? join('results', `versus-${stamp}`));
    checkOutputPath('out-dir', join(outDir, 'versus.md'));
    // Validate every cell's scenario before starting any cluster.
    const plan: Array<{ system: VersusSystem; conc: number; scenario: Scenario }> = [];
    for (const system of systems) {
      for (const conc of concs) {
        try {
          const scenario = scenarioFor(file, system, conc, seconds, sizeBytes, sets);
          lookupDriver(scenario.system);
          // A bad data directory would otherwise surface only when its cell starts, mid-sweep.
          if (scenario.system === 'engine' && typeof scenario.group['dataDir'] === 'string') checkDataDir(scenario.group['dataDir']);
          plan.push({ system, conc, scenario });
        } catch (error) {
          if (error instanceof ScenarioError || error instanceof DriverUnavailableError) throw new UsageError(error.message);
          throw error;
        }
      }
    }
    makeDirectory(outDir);
    const cells: VersusCell[] = [];
    for (const { system, conc, scenario } of plan) {
      ctx.log(`versus: ${system} c=${conc}, ${scenario.payload.sizeBytes} B, ${scenario.phases.map((p) => `${p.seconds ?? '?'} s`).join('+')}...`);
      cells.push(await runCell(ctx, scenario, system, conc, outDir));
    }
    const first = plan[0]!.scenario;
    const header = [
      `## logbench versus: ${first.payload.sizeBytes} B payloads, closed loop, ${plan[0]!.scenario.phases[0]!.seconds ?? '?'} s measured per run, 3 members on this machine`,
      '',
      'Latencies are per-op service time in a closed loop (no coordinated-omission correction); each row states its durability.',
      '',
    ];
    const table = [...header, ...versusTable(cells)];
    for (const line of table) ctx.print(line);
    const mdPath = join(outDir, 'versus.md');
    writeFileSync(mdPath, table.join('\n') + '\n');
    ctx.print('');
    ctx.print(`results: ${outDir} (one JSON per system × concurrency; table in versus.md)`);
    const html = await htmlReport(ctx, cells.flatMap((c) => (c.resultPath !== null ? [c.resultPath] : [])), outDir);
    ctx.print(html);
    ctx.emitJson({ outDir, markdown: mdPath, cells });
    return cells.some((c) => c.ledger === 'failed') ? 1 : 0;
  },
};

/** Renders the HTML report with `logbench report` when this build has that command. */
async function htmlReport(ctx: CommandContext, files: string[], outDir: string): Promise<string> {
  const { COMMANDS } = await import('./index.js');
  const report = COMMANDS.find((c) => c.name === 'report');
  if (report === undefined || files.length === 0) return 'html: not written (this build has no `logbench report` command); the markdown table is the report';
  const htmlPath = join(outDir, 'versus.html');
  const flags = report.flags;
  const values: Record<string, string | boolean> = {};
  if ('html' in flags) values['html'] = htmlPath;
  else if ('out' in flags) values['out'] = htmlPath;
  try {
    const code = await report.run({ ...ctx, values, positionals: files, json: false, emitJson: () => {} });
    return code === 0 ? `html: ${htmlPath} (logbench report)` : `html: logbench report exited ${code}`;
  } catch (error) {
    return `html: logbench report failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
