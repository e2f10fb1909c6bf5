// The human summary printed at the end of `logbench run`: one row per phase. A saturated
// phase's numbers are not shown as the system's: its row says SATURATED instead.

import type { RunResult } from './result-types.js';

function ms(us: number): string {
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(2)}s`;
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 100_000 ? 0 : 2)}ms`;
  return `${us}µs`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

export function summaryLines(result: RunResult): string[] {
  const s = result.scenario;
  const group = Object.entries(s.group)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lines = [
    `scenario ${s.name}: system ${result.system.name}${group !== '' ? ` (${group})` : ''}, ${s.payload.sizeBytes} B payloads`,
    `durability: ${result.system.durability}`,
  ];
  // Every knob the system ran with, defaults included: a result is read without the code at hand.
  const settings = Object.entries(result.system.settings).map(([k, v]) => `${k}=${v}`).join(' ');
  if (settings !== '') lines.push(`settings: ${settings}`);
  const rows = [['phase', 'load', 'ops/s', 'MB/s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'svc p99', 'errors', 'note']];
  for (const p of result.phases) {
    const load = p.type === 'closed' ? `closed c=${p.target.concurrency}` : `open ${Math.round(p.target.rate ?? 0)}/s ${p.target.arrival}`;
    const l = p.latencyUs.corrected;
    const note = p.generator.saturated ? 'SATURATED (generator; not the system)' : p.interrupted ? 'interrupted' : p.generator.coordinatedOmissionCorrected ? 'CO-corrected' : 'service time';
    if (p.generator.saturated) {
      rows.push([p.name, load, '-', '-', '-', '-', '-', '-', '-', '-', String(p.ops.errors), note]);
      continue;
    }
    rows.push([p.name, load, p.throughput.opsPerSec.toFixed(0), p.throughput.mbPerSec.toFixed(1), ms(l.p50Us), ms(l.p90Us), ms(l.p99Us), ms(l.p999Us), ms(l.maxUs), ms(p.latencyUs.serviceTime.p99Us), String(p.ops.errors), note]);
  }
  lines.push('', ...table(rows));
  const d = result.system.diagnostics;
  if (d !== undefined && d['leaderBatches'] !== undefined) {
    lines.push(
      '',
      `engine, per leader batch (${d['leaderEntriesPerBatch']} entries, ${d['leaderBatches']} batches): own fdatasync done ${ms(d['leaderProposeToOwnFsyncUsMean'] ?? 0)} and committed ${ms(d['leaderProposeToCommitUsMean'] ?? 0)} after proposal (means)`,
      // Rings (and their lost wake-ups) exist between threads only; process mode talks TCP.
      `fdatasync on all replicas: ${d['fsyncs']} calls, mean ${ms(d['fsyncUsMean'] ?? 0)}${result.system.settings['mode'] === 'process' ? '' : `; ring wake-ups lost ${d['lostWakeups']}`}`,
    );
  }
  const c = result.correctness;
  lines.push('', c.ledger === 'not-run' ? `correctness ledger: not run (${c.reason}); acked ${c.acked}` : `correctness ledger: ${c.ledger}; acked ${c.acked}, lost ${c.lost}, duplicated ${c.duplicated}, divergent ${c.divergent}`);
  const warnings = [...result.phases.flatMap((p) => p.generator.warnings.map((w) => `${p.name}: ${w}`)), ...result.warnings];
  for (const w of warnings) lines.push(`warning: ${w}`);
  if (!result.complete) lines.push('run interrupted: result marked "complete": false');
  return lines;
}
