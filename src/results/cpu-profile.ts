// Reads a V8 .cpuprofile (node --cpu-prof, or what clinic flame records) and ranks functions by
// self time: the "top functions" table `logbench profile` prints.

import { round1 } from '../round.js';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  name: string;
  location: string;
  selfMs: number;
  selfPercent: number;
}

export function isCpuProfile(value: unknown): value is CpuProfile {
  const v = value as Partial<CpuProfile> | null;
  return v !== null && typeof v === 'object' && Array.isArray(v.nodes) && typeof v.startTime === 'number' && typeof v.endTime === 'number';
}

/** Functions by self time, highest first; identical (name, location) frames are merged. */
export function topFunctions(profile: CpuProfile, limit = 15): FunctionTime[] {
  const selfUsById = new Map<number, number>();
  if (profile.samples !== undefined && profile.timeDeltas !== undefined && profile.samples.length === profile.timeDeltas.length) {
    // Each sample's time is the delta to the next sample.
    for (let i = 0; i < profile.samples.length; i++) {
      const next = profile.timeDeltas[i + 1] ?? 0;
      const id = profile.samples[i]!;
      selfUsById.set(id, (selfUsById.get(id) ?? 0) + Math.max(0, next));
    }
  } else {
    const totalHits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
    const usPerHit = totalHits > 0 ? (profile.endTime - profile.startTime) / totalHits : 0;
    for (const node of profile.nodes) selfUsById.set(node.id, (node.hitCount ?? 0) * usPerHit);
  }
  const totalUs = [...selfUsById.values()].reduce((a, b) => a + b, 0);
  const merged = new Map<string, FunctionTime>();
  for (const node of profile.nodes) {
    const us = selfUsById.get(node.id) ?? 0;
    if (us === 0) continue;
    const frame = node.callFrame;
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const file = frame.url === '' ? '' : frame.url.replace(/^file:\/\//, '').split('/').slice(-3).join('/');
    const location = file === '' ? '' : `${file}:${frame.lineNumber + 1}`;
    const key = `${name}\u0000${location}`;
    const entry = merged.get(key) ?? { name, location, selfMs: 0, selfPercent: 0 };
    entry.selfMs += us / 1000;
    merged.set(key, entry);
  }
  const ranked = [...merged.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, limit);
  for (const entry of ranked) {
    entry.selfPercent = totalUs > 0 ? (entry.selfMs * 1000 * 100) / totalUs : 0;
    entry.selfMs = round1(entry.selfMs);
    entry.selfPercent = round1(entry.selfPercent);
  }
  return ranked;
}

export function formatTopFunctions(rows: readonly FunctionTime[]): string {
  const nameWidth = Math.min(40, Math.max(8, ...rows.map((r) => r.name.length)));
  const lines = [`${'self ms'.padStart(9)}  ${'self %'.padStart(6)}  ${'function'.padEnd(nameWidth)}  location`];
  for (const row of rows) {
    lines.push(`${row.selfMs.toFixed(1).padStart(9)}  ${row.selfPercent.toFixed(1).padStart(6)}  ${row.name.slice(0, nameWidth).padEnd(nameWidth)}  ${row.location}`);
  }
  return lines.join('\n');
}
