// A kill-leader failover against a real 3-member etcd cluster, through the same runner
// `logbench run` uses: the leader is SIGKILLed in the middle of a closed-loop phase, the driver's
// cluster control finds the new leader, the phase finishes without failed appends (they are
// retried within appendTimeoutMs) and the correctness ledger is clean.

import { expect, it } from 'vitest';
import { checkCorrectness } from '../../src/results/correctness.js';
import { ScenarioRunner } from '../../src/load/run-scenario.js';
import { resolveScenario } from '../../src/load/scenario.js';

it('etcd: killing the leader under load loses nothing and a new leader takes over', async () => {
  const scenario = resolveScenario(
    { name: 'etcd-failover', system: 'etcd', group: { replicas: 3 }, driver: { appendTimeoutMs: 8000 }, phases: [{ type: 'closed', concurrency: 8, seconds: 6 }] },
    null,
  );
  const runner = new ScenarioRunner({ scenario, shouldStop: () => false });
  try {
    await runner.connect();
    const control = runner.driver.control!;
    const oldLeader = await control.findLeader(5000);
    expect(oldLeader).toBeDefined();
    const phase = runner.runAll();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const killedAtMs = performance.now();
    await control.kill(oldLeader!);
    const newLeader = await control.findLeader(10_000);
    const electedMs = performance.now() - killedAtMs;
    await phase;
    expect(newLeader).toBeDefined();
    expect(newLeader).not.toBe(oldLeader);
    expect(electedMs).toBeLessThan(10_000);
    const counters = runner.outcomes[0]!.recording.counters;
    expect(counters.errors).toBe(0);
    const acked = counters.acked + counters.warmupAcked;
    const correctness = await checkCorrectness({ driver: runner.driver, acks: runner.ackLog, acked });
    expect(correctness.ledger, correctness.reason ?? '').toBe('ok');
    expect(correctness.lost).toBe(0);
    expect(correctness.duplicated).toBe(0);
  } finally {
    await runner.close();
  }
}, 60_000);
