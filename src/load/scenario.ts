// Scenario files: YAML → `--set` overrides → JSON Schema validation → cross-field checks →
// a resolved Scenario (defaults filled, rate steps expanded into consecutive phases).
// Every problem is a ScenarioError whose lines read `<file>: <field path>: expected <what>, got
// <value>`; the CLI prints them and exits 2.

import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { compileSchema } from '../results/ajv.js';
import { describeAjvErrors } from '../results/schema-errors.js';
import type { SystemName } from '../drivers/registry.js';
import { faultProblems, type FaultSpec } from '../cluster/fault-spec.js';
import { GENERATOR_DEFAULTS, type ClosedPhaseSpec, type GeneratorSettings, type OpenPhaseSpec } from './phase-spec.js';
import type { Arrival } from './schedule.js';
import { SCENARIO_SCHEMA } from './scenario-schema.js';
import { FSYNC_POLICY_EXPECTED, fsyncPolicyOf } from '../storage/log-store.js';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export interface RateOfPhase {
  phase: string;
  fraction: number;
}

/** An open phase as the scenario states it: a fixed rate or a fraction of an earlier phase's achieved rate. */
export interface ScenarioOpenPhase extends Omit<OpenPhaseSpec, 'rate'> {
  rate?: number;
  rateOfPhase?: RateOfPhase;
}

export type ScenarioPhase = ClosedPhaseSpec | ScenarioOpenPhase;

export interface Scenario {
  name: string;
  description?: string;
  system: SystemName;
  /** Engine knobs (replicas, mode, fsync, ...); defaults filled for the engine. */
  group: Record<string, string | number | boolean>;
  /** System-specific driver options. */
  driver: Record<string, unknown>;
  payload: { sizeBytes: number };
  generator: GeneratorSettings;
  phases: ScenarioPhase[];
  /** Faults injected during the load (src/cluster/fault-spec.ts); empty = none. */
  faults: FaultSpec[];
  /** The file it came from (null when built from flags) and the --set overrides applied. */
  source: string | null;
  overrides: string[];
}

export const ENGINE_GROUP_DEFAULTS = { replicas: 3, mode: 'threads', fsync: 'always' } as const;
export const SIZE_BYTES_DEFAULT = 1024;

const validateScenario = compileSchema(SCENARIO_SCHEMA);

// ---- --set key.path=value ----

export interface SetOverride {
  path: Array<string | number>;
  text: string;
  value: unknown;
}

export function parseSetOverride(expr: string): SetOverride {
  const eq = expr.indexOf('=');
  if (eq <= 0) throw new ScenarioError(`--set ${expr}: expected key.path=value, e.g. phases[0].seconds=5`);
  const pathText = expr.slice(0, eq).trim();
  const text = expr.slice(eq + 1);
  const path: Array<string | number> = [];
  for (const part of pathText.split('.')) {
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)?((?:\[\d+\])*)$/.exec(part);
    if (match === null || (match[1] === undefined && match[2] === '')) {
      throw new ScenarioError(`--set ${expr}: "${pathText}" is not a field path; expected names and [index], e.g. phases[1].rate`);
    }
    if (match[1] !== undefined) path.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
    for (const idx of match[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    value = text;
  }
  return { path, text: expr, value: value === null && text.trim() === '' ? '' : value };
}

export function applySetOverride(target: Record<string, unknown>, override: SetOverride): void {
  let node: Record<string | number, unknown> = target;
  for (let i = 0; i < override.path.length; i++) {
    const key = override.path[i]!;
    // A list grows by one item at a time: `phases[5]` on a 2-phase scenario is a typo, not a hole.
    if (typeof key === 'number' && Array.isArray(node) && key > node.length) {
      const list = override.path.slice(0, i).join('.').replace(/\.(\d+)/g, '[$1]');
      throw new ScenarioError(`--set ${override.text}: ${list} has ${node.length} item${node.length === 1 ? '' : 's'} (${list}[0]..${list}[${node.length - 1}]); expected an index up to ${node.length} (${node.length} adds one)`);
    }
    if (i === override.path.length - 1) break;
    const next = override.path[i + 1]!;
    let child = node[key];
    if (child === undefined || child === null || typeof child !== 'object') {
      child = typeof next === 'number' ? [] : {};
      node[key] = child;
    }
    node = child as Record<string | number, unknown>;
  }
  node[override.path[override.path.length - 1]!] = override.value;
}

// ---- loading ----

export function readScenarioFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ScenarioError(`${path}: scenario file not found`);
    throw new ScenarioError(`${path}: cannot read scenario file (${code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos !== undefined ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : '';
    throw new ScenarioError(`${path}: not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ScenarioError(`${path}: expected a mapping with system, phases, ..., got ${raw === null ? 'an empty file' : JSON.stringify(raw).slice(0, 40)}`);
  }
  return raw as Record<string, unknown>;
}

/** Validates a raw scenario object (already with overrides applied) and resolves it. */
export function resolveScenario(raw: Record<string, unknown>, source: string | null, overrides: SetOverride[] = []): Scenario {
  const label = source ?? 'command line';
  if (!validateScenario(raw)) {
    const setPaths = new Set(overrides.map((o) => o.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '')));
    const lines = describeAjvErrors(validateScenario.errors ?? []).map((line) => {
      const path = line.slice(0, line.indexOf(':'));
      return `${label}: ${line}${setPaths.has(path) ? ' (from --set)' : ''}`;
    });
    throw new ScenarioError(lines.join('\n'));
  }
  const file = raw as unknown as FileScenario;
  const problems: string[] = [];
  const phases: ScenarioPhase[] = [];
  const names = new Set<string>();
  file.phases.forEach((phase, i) => {
    const at = `phases[${i}]`;
    const name = phase.name ?? `${phase.type}${i === 0 ? '' : i}`;
    if (names.has(name)) problems.push(`${at}.name: expected a name not used by an earlier phase, got "${name}"`);
    if (phase.seconds === undefined && phase.ops === undefined && !(phase.type === 'open' && phase.steps !== undefined)) {
      problems.push(`${at}: expected "seconds" or "ops" (how long the phase runs)`);
    }
    if (phase.type === 'closed') {
      phases.push({ type: 'closed', name, concurrency: phase.concurrency, warmupSeconds: phase.warmupSeconds ?? 0, ...lengthOf(phase) });
      names.add(name);
      return;
    }
    const arrival: Arrival = phase.arrival ?? 'constant';
    const ramp = phase.ramp !== undefined ? { rampFromRate: phase.ramp.fromRate, rampSeconds: phase.ramp.seconds } : {};
    const rateSources = [phase.rate !== undefined, phase.rateOfPhase !== undefined, phase.steps !== undefined].filter(Boolean).length;
    if (rateSources !== 1) problems.push(`${at}: expected exactly one of "rate", "rateOfPhase" or "steps", got ${rateSources}`);
    const checkRef = (ref: RateOfPhase | undefined, where: string): void => {
      if (ref !== undefined && !names.has(ref.phase)) {
        problems.push(`${where}.rateOfPhase.phase: expected the name of an earlier phase (${[...names].join(', ') || 'none'}), got "${ref.phase}"`);
      }
    };
    checkRef(phase.rateOfPhase, at);
    if (phase.steps !== undefined) {
      if (phase.seconds !== undefined || phase.ops !== undefined) problems.push(`${at}: "steps" sets each step's seconds; remove "seconds"/"ops"`);
      phase.steps.forEach((step, s) => {
        const stepAt = `${at}.steps[${s}]`;
        if ((step.rate === undefined) === (step.rateOfPhase === undefined)) problems.push(`${stepAt}: expected exactly one of "rate" or "rateOfPhase"`);
        checkRef(step.rateOfPhase, stepAt);
        const stepName = `${name}.${s + 1}`;
        phases.push({
          type: 'open',
          name: stepName,
          arrival,
          warmupSeconds: s === 0 ? (phase.warmupSeconds ?? 0) : 0,
          seconds: step.seconds,
          ...(s === 0 ? ramp : {}),
          ...(step.rate !== undefined ? { rate: step.rate } : {}),
          ...(step.rateOfPhase !== undefined ? { rateOfPhase: step.rateOfPhase } : {}),
        });
        names.add(stepName);
      });
      names.add(name);
      return;
    }
    phases.push({
      type: 'open',
      name,
      arrival,
      warmupSeconds: phase.warmupSeconds ?? 0,
      ...lengthOf(phase),
      ...ramp,
      ...(phase.rate !== undefined ? { rate: phase.rate } : {}),
      ...(phase.rateOfPhase !== undefined ? { rateOfPhase: phase.rateOfPhase } : {}),
    });
    names.add(name);
  });
  const fsync = file.group?.fsync;
  if (typeof fsync === 'string' && fsyncPolicyOf(fsync) === undefined) problems.push(`group.fsync: expected ${FSYNC_POLICY_EXPECTED}, got "${fsync}"`);
  if (phases.length > 255) problems.push(`phases: expected at most 255 phases after expanding steps, got ${phases.length}`);
  const generator: GeneratorSettings = { ...GENERATOR_DEFAULTS, ...(file.generator ?? {}) };
  problems.push(...faultProblems(file.faults ?? [], names, file.system));
  problems.push(...lateFaultProblems(file.faults ?? [], phases));
  if (problems.length > 0) throw new ScenarioError(problems.map((p) => `${label}: ${p}`).join('\n'));
  // The defaults describe the group logbench starts; a group behind driver.endpoints runs elsewhere.
  const managedEngine = file.system === 'engine' && file.driver?.['endpoints'] === undefined;
  const group: Record<string, string | number | boolean> = { ...(managedEngine ? ENGINE_GROUP_DEFAULTS : {}), ...(file.group ?? {}) };
  const scenario: Scenario = {
    name: file.name ?? (source !== null ? baseName(source) : 'cli'),
    system: file.system,
    group,
    driver: file.driver ?? {},
    payload: { sizeBytes: file.payload?.sizeBytes ?? SIZE_BYTES_DEFAULT },
    generator,
    phases,
    faults: file.faults ?? [],
    source,
    overrides: overrides.map((o) => o.text),
  };
  if (file.description !== undefined) scenario.description = file.description;
  return scenario;
}

function lengthOf(phase: { seconds?: number; ops?: number }): { seconds?: number; ops?: number } {
  return { ...(phase.seconds !== undefined ? { seconds: phase.seconds } : {}), ...(phase.ops !== undefined ? { ops: phase.ops } : {}) };
}

function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? path;
  return file.replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Loads, overrides, validates and resolves a scenario file. */
export function loadScenario(path: string, setExprs: readonly string[] = []): Scenario {
  const overrides = setExprs.map(parseSetOverride);
  const raw = readScenarioFile(path);
  for (const o of overrides) applySetOverride(raw, o);
  return resolveScenario(raw, path, overrides);
}

/**
 * Faults that could never fire: `atSeconds` at or after the end of the load (counted from the
 * start of the load, or of the fault's phase). Only when every phase from there on is timed; a
 * phase bounded by an op count has no known length.
 */
function lateFaultProblems(faults: readonly FaultSpec[], phases: readonly ScenarioPhase[]): string[] {
  const problems: string[] = [];
  faults.forEach((fault, i) => {
    // A stepped phase's faults anchor on its first step (`name.1`).
    const from = fault.phase === undefined ? 0 : phases.findIndex((p) => p.name === fault.phase || p.name === `${fault.phase}.1`);
    if (from < 0) return; // an unknown phase name is reported by faultProblems
    let remainingSeconds = 0;
    for (const phase of phases.slice(from)) {
      if (phase.seconds === undefined) return;
      remainingSeconds += phase.warmupSeconds + phase.seconds;
    }
    if (fault.atSeconds >= remainingSeconds) {
      const origin = fault.phase === undefined ? 'the load' : `phase ${fault.phase}`;
      problems.push(`faults[${i}].atSeconds: ${fault.atSeconds} s is at or after the end of the load (${remainingSeconds} s after the start of ${origin}, warm-ups included); the fault would never fire`);
    }
  });
  return problems;
}

/** Warm-up of a flag-built engine run of 5 s or more. */
export const ENGINE_WARMUP_SECONDS = 5;

/** The scenario the CLI flags describe when no file is given: one closed-loop (or open-loop with --rate) phase. */
export function scenarioFromFlags(flags: CliOverrides, setExprs: readonly string[] = []): Scenario {
  const seconds = flags.seconds ?? 10;
  if (flags.rate !== undefined && flags.conc !== undefined) {
    throw new ScenarioError('flags --rate and --conc: a run built from flags is one open-loop phase (--rate) or one closed-loop phase (--conc); give one of them, or a scenario file with both phases');
  }
  const phase: Record<string, unknown> =
    flags.rate !== undefined
      ? { type: 'open', name: 'open', rate: flags.rate, arrival: 'constant', seconds }
      : { type: 'closed', name: 'closed', concurrency: flags.conc ?? 256, seconds };
  const system = flags.system ?? 'engine';
  // The engine gets about three times cheaper per entry over its first 2–8 s while V8 optimizes
  // its isolates (results warn about a phase that was still rising); the peers are native code.
  phase['warmupSeconds'] = seconds < 5 ? 0 : system === 'engine' ? ENGINE_WARMUP_SECONDS : 1;
  const raw: Record<string, unknown> = { name: 'cli', system, phases: [phase] };
  const overrides = setExprs.map(parseSetOverride);
  for (const o of overrides) applySetOverride(raw, o);
  applyCliOverrides(raw, { ...flags, rate: undefined, conc: undefined, seconds: undefined });
  return resolveScenario(raw, null, overrides);
}

export interface CliOverrides {
  system?: string | undefined;
  mode?: string | undefined;
  replicas?: number | undefined;
  conc?: number | undefined;
  sizeBytes?: number | undefined;
  seconds?: number | undefined;
  rate?: number | undefined;
  workers?: number | undefined;
  /** --endpoints: a running system's addresses (driver.endpoints; external mode). */
  endpoints?: string[] | undefined;
}

/**
 * The engine issue's flags, applied to a raw scenario before validation (so a bad value is
 * reported like a bad file value): --conc sets every closed phase's concurrency, --seconds every
 * phase's measured seconds, --rate every open phase's rate.
 */
export function applyCliOverrides(raw: Record<string, unknown>, flags: CliOverrides): void {
  const object = (key: string): Record<string, unknown> => {
    const value = raw[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    const fresh: Record<string, unknown> = {};
    raw[key] = fresh;
    return fresh;
  };
  if (flags.system !== undefined) raw['system'] = flags.system;
  const system = raw['system'];
  for (const [flag, value] of [['mode', flags.mode], ['replicas', flags.replicas]] as const) {
    if (value !== undefined && (system === 'null' || system === 'http')) throw new ScenarioError(`flag --${flag}: system ${system} has no replica group; it applies to engine${flag === 'replicas' ? ', etcd and nats' : ''}`);
  }
  if (flags.endpoints !== undefined && system === 'null') throw new ScenarioError('flag --endpoints: system null runs in this process and has no endpoints; it applies to engine, etcd, nats and http');
  for (const [flag, value] of [['mode', flags.mode], ['replicas', flags.replicas]] as const) {
    if (value !== undefined && system === 'engine' && flags.endpoints !== undefined) throw new ScenarioError(`flag --${flag}: the engine group behind --endpoints runs elsewhere (its replicas are the endpoints; \`logbench node\` flags set its knobs)`);
  }
  if (flags.mode !== undefined) object('group')['mode'] = flags.mode;
  if (flags.replicas !== undefined) object('group')['replicas'] = flags.replicas;
  if (flags.sizeBytes !== undefined) object('payload')['sizeBytes'] = flags.sizeBytes;
  if (flags.workers !== undefined) object('generator')['workers'] = flags.workers;
  if (flags.endpoints !== undefined) object('driver')['endpoints'] = flags.endpoints;
  const phases = Array.isArray(raw['phases']) ? (raw['phases'] as Array<Record<string, unknown>>) : [];
  const hasPhase = (type: string): boolean => phases.some((phase) => phase !== null && typeof phase === 'object' && phase['type'] === type);
  if (flags.conc !== undefined && !hasPhase('closed')) throw new ScenarioError('flag --conc: the scenario has no closed-loop phase to apply it to (open-loop phases take --rate)');
  if (flags.rate !== undefined && !hasPhase('open')) throw new ScenarioError('flag --rate: the scenario has no open-loop phase to apply it to (closed-loop phases take --conc)');
  for (const phase of phases) {
    if (phase === null || typeof phase !== 'object') continue;
    if (flags.conc !== undefined && phase['type'] === 'closed') phase['concurrency'] = flags.conc;
    if (flags.rate !== undefined && phase['type'] === 'open') {
      delete phase['rateOfPhase'];
      phase['rate'] = flags.rate;
    }
    if (flags.seconds !== undefined && phase['steps'] === undefined) {
      delete phase['ops'];
      phase['seconds'] = flags.seconds;
    }
  }
}

/** Loads a file with --set and CLI flag overrides (flags win over --set, which wins over the file). */
export function loadScenarioWithOverrides(path: string, setExprs: readonly string[], flags: CliOverrides): Scenario {
  const overrides = setExprs.map(parseSetOverride);
  const raw = readScenarioFile(path);
  for (const o of overrides) applySetOverride(raw, o);
  applyCliOverrides(raw, flags);
  return resolveScenario(raw, path, overrides);
}

// The validated file shape (what the schema admits).
interface FilePhaseCommon {
  name?: string;
  warmupSeconds?: number;
  seconds?: number;
  ops?: number;
}
interface FileScenario {
  name?: string;
  description?: string;
  system: SystemName;
  group?: Record<string, string | number | boolean>;
  driver?: Record<string, unknown>;
  payload?: { sizeBytes?: number };
  generator?: Partial<GeneratorSettings>;
  phases: Array<
    | (FilePhaseCommon & { type: 'closed'; concurrency: number })
    | (FilePhaseCommon & {
        type: 'open';
        rate?: number;
        rateOfPhase?: RateOfPhase;
        arrival?: Arrival;
        ramp?: { fromRate: number; seconds: number };
        steps?: Array<{ rate?: number; rateOfPhase?: RateOfPhase; seconds: number }>;
      })
  >;
  faults?: FaultSpec[];
}
