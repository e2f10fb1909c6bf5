// Real replica processes killed with SIGKILL (and paused, partitioned) mid-load: recovery is
// measured and the correctness ledger over every replica is clean.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result-types.js';
import { ensureBuild, runCli } from '../load/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-failover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuild(), 120_000);

describe('failover with real processes', () => {
  it('logbench failover: 2 leader SIGKILLs under load, every metric measured, nothing lost', () => {
    const out = join(dir, 'kill.json');
    const r = runCli(['failover', '--mode', 'process', '--kills', '2', '--rate', '300', '--trial-seconds', '2.5', '--out', out, '--json'], 90_000);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['trials', 'skipped', 'fault', 'unavailableMs', 'leaderElectedMs', 'recoverTo90Ms', 'lost', 'duplicated', 'divergent']);
    expect(json).toMatchObject({ trials: 2, skipped: 0, fault: 'kill-leader', lost: 0, duplicated: 0, divergent: 0 });
    const unavailable = json['unavailableMs'] as { median: number | null; max: number | null };
    const elected = json['leaderElectedMs'] as { median: number | null };
    // A new leader and a commit after each kill, within the client's deadline.
    expect(unavailable.median).not.toBeNull();
    expect(unavailable.max!).toBeLessThan(10_000);
    expect(elected.median).not.toBeNull();
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(result.correctness.ledger).toBe('ok');
    const kills = result.failover!.markers.filter((m) => m.kind === 'kill-leader');
    expect(kills).toHaveLength(2);
    // Each kill hit the leader of that moment and its replica came back before the next trial.
    for (const k of kills) expect(k.target).toBe(k.leaderBefore);
    expect(result.failover!.markers.filter((m) => m.kind === 'restart')).toHaveLength(2);
  }, 120_000);

  it('a scenario with kill, pause and partition faults runs and reports each fault', () => {
    const out = join(dir, 'scenario.json');
    const sets = ['phases[0].warmupSeconds=0.5', 'phases[0].seconds=6', 'phases[0].rate=300', 'faults[0].atSeconds=1', 'faults[1].atSeconds=2.7', 'faults[1].durationMs=500', 'faults[2].atSeconds=4.4', 'faults[2].durationMs=500'];
    const r = runCli(['run', 'bench/scenarios/failover.yaml', ...sets.flatMap((s) => ['--set', s]), '--out', out], 90_000);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/correctness ledger: ok; acked \d+, lost 0, duplicated 0, divergent 0/);
    expect(r.stdout).toMatch(/kill-leader x1: unavailable \d+ms/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const f = result.failover!;
    expect(f.faults.map((x) => x.kind)).toEqual(['kill-leader', 'pause-leader', 'partition-leader']);
    for (const x of f.faults) expect(x.unavailableMs, `${x.kind}: ${r.stderr.split('\n').filter((l) => l.startsWith('nemesis')).join('; ')}`).not.toBeNull();
    // The partitioned leader steps down by itself (check-quorum) while cut off.
    const partition = f.faults[2]!;
    expect(partition.oldLeaderSteppedDownMs).not.toBeNull();
    expect(partition.oldLeaderSteppedDownMs!).toBeLessThan(500);
    expect(f.timeline.commits.length).toBeGreaterThan(50);
  }, 120_000);
});
