// Whether two result files may be compared. A difference in what shapes the numbers — the
// machine (CPU model, cores, kernel, platform, filesystem of the data dir), the durability
// policy (fsync), or the work (scenario name, system, payload, generator, phases, replica count
// and mode) — makes the comparison meaningless, so it is refused unless forced. Differences that
// are often the point of a comparison (other engine knobs, driver options, Node version, memory,
// git commit) are listed as notes.

import { isDeepStrictEqual } from 'node:util';
import type { RunResult } from './result-types.js';

export interface FingerprintDifference {
  field: string;
  base: string;
  head: string;
  /** True: the comparison is refused without --force. */
  refuse: boolean;
}

/** Group keys that change the work itself; other group keys are knobs being compared. */
const GROUP_KEYS_REFUSED = ['replicas', 'mode', 'fsync'] as const;

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fsyncPolicy(result: RunResult): unknown {
  return result.system.settings['fsync'] ?? result.scenario.group['fsync'];
}

export function fingerprintDifferences(base: RunResult, head: RunResult): FingerprintDifference[] {
  const out: FingerprintDifference[] = [];
  const check = (field: string, a: unknown, b: unknown, refuse: boolean): void => {
    if (!isDeepStrictEqual(a, b)) out.push({ field, base: show(a), head: show(b), refuse });
  };
  const ea = base.environment;
  const eb = head.environment;
  check('environment.cpuModel', ea.cpuModel, eb.cpuModel, true);
  check('environment.cores', ea.cores, eb.cores, true);
  check('environment.kernel', ea.kernel, eb.kernel, true);
  check('environment.platform', ea.platform, eb.platform, true);
  check('environment.arch', ea.arch, eb.arch, true);
  check('environment.filesystem', ea.filesystem, eb.filesystem, true);
  check('system.settings.fsync', fsyncPolicy(base), fsyncPolicy(head), true);
  check('system.durability', base.system.durability, head.system.durability, true);
  check('system.name', base.system.name, head.system.name, true);
  check('scenario.name', base.scenario.name, head.scenario.name, true);
  check('scenario.system', base.scenario.system, head.scenario.system, true);
  check('scenario.payload', base.scenario.payload, head.scenario.payload, true);
  check('scenario.generator', base.scenario.generator, head.scenario.generator, true);
  check('scenario.phases', base.scenario.phases, head.scenario.phases, true);
  for (const key of GROUP_KEYS_REFUSED) check(`scenario.group.${key}`, base.scenario.group[key], head.scenario.group[key], true);
  const groupKeys = new Set([...Object.keys(base.scenario.group), ...Object.keys(head.scenario.group)]);
  for (const key of [...groupKeys].sort()) {
    if ((GROUP_KEYS_REFUSED as readonly string[]).includes(key)) continue;
    check(`scenario.group.${key}`, base.scenario.group[key], head.scenario.group[key], false);
  }
  const driverA = (base.scenario as unknown as Record<string, unknown>)['driver'];
  const driverB = (head.scenario as unknown as Record<string, unknown>)['driver'];
  check('scenario.driver', driverA, driverB, false);
  check('environment.node', ea.node, eb.node, false);
  check('environment.nodeFlags', ea.nodeFlags ?? null, eb.nodeFlags ?? null, false);
  check('environment.memoryBytes', ea.memoryBytes, eb.memoryBytes, false);
  check('environment.hostname', ea.hostname, eb.hostname, false);
  check('environment.logbenchVersion', ea.logbenchVersion, eb.logbenchVersion, false);
  return out;
}

/** Human lines for a list of differences, the refused ones first. */
export function describeDifferences(differences: readonly FingerprintDifference[], baseLabel: string, headLabel: string): string[] {
  const sorted = [...differences].sort((a, b) => Number(b.refuse) - Number(a.refuse));
  return sorted.map((d) => `  ${d.field}: ${baseLabel} ${d.base} vs ${headLabel} ${d.head}${d.refuse ? '' : ' (note)'}`);
}
