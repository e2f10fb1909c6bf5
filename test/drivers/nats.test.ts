// Integration tests of the NATS JetStream driver against a real 3-server cluster on loopback
// (Debian's nats-server). Without the binary these tests fail with the install message.

import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary } from '../../src/drivers/find-binary.js';
import { NatsDriver } from '../../src/drivers/nats/driver.js';
import { isPidAlive } from '../../src/drivers/peer-process.js';
import { ledgerProblems, runTaggedLoad, taggedPayload } from './tagged-load.js';

describe('nats driver, managed 3-server cluster, default durability', () => {
  const driver = new NatsDriver({ appendTimeoutMs: 5000 });
  let startedPids: number[] = [];
  let dataDir = '';

  beforeAll(async () => {
    await driver.connect();
    startedPids = (await driver.control!.members()).map((m) => m.pid!);
    dataDir = String(driver.settings['dataDir']);
  });

  afterAll(async () => {
    await driver.close();
  });

  it('starts three live servers with pids and one stream leader, and states its durability', async () => {
    const members = await driver.control!.members();
    expect(members.map((m) => m.id)).toEqual(['n0', 'n1', 'n2']);
    expect(members.every((m) => m.alive && isPidAlive(m.pid!))).toBe(true);
    expect(members.filter((m) => m.leader)).toHaveLength(1);
    expect(driver.durability).toMatch(/not before ack/);
    expect(driver.settings['durabilityMode']).toBe('default');
  });

  it('reads 200 tagged appends back in sequence order at their acked sequences', async () => {
    const load = await runTaggedLoad(driver, { producers: 4, countMax: 50 });
    expect(load.errors).toEqual([]);
    expect(load.acked).toHaveLength(200);
    const [stream, ...others] = await driver.readBack!();
    expect(others).toHaveLength(0);
    expect(stream!.replica).toMatch(/via leader n\d \(replicas not readable separately\)/);
    expect([...stream!.entries].map((e) => e.index)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(ledgerProblems(stream!, load.acked)).toEqual([]);
  });

  it('acks a re-published message id with the first copy\'s sequence instead of storing it twice', async () => {
    const payload = taggedPayload(50, 0);
    const first = await driver.append(payload);
    const again = await driver.append(payload);
    expect(again.index).toBe(first.index);
  });

  it('elects a new stream leader after the leader is SIGKILLed under load, and appends succeed after it', async () => {
    const control = driver.control!;
    const oldLeader = await control.findLeader(5000);
    expect(oldLeader).toBeDefined();
    let stop = false;
    const deadline = performance.now() + 20_000;
    const loadDone = runTaggedLoad(driver, { producers: 4, countMax: 5000, firstProducer: 100, stop: () => stop || performance.now() > deadline });
    await new Promise((r) => setTimeout(r, 500));
    await control.kill(oldLeader!);
    const newLeader = await control.findLeader(15_000);
    const afterElectionMs = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    const load = await loadDone;
    expect(newLeader).toBeDefined();
    expect(newLeader).not.toBe(oldLeader);
    expect(load.acked.filter((a) => a.atMs > afterElectionMs).length).toBeGreaterThan(10);
    const [stream] = await driver.readBack!();
    expect(ledgerProblems(stream!, load.acked)).toEqual([]);
    await control.restart(oldLeader!);
    expect((await control.members()).every((m) => m.alive)).toBe(true);
  });

  it('close() stops every server it started and removes the data dir', async () => {
    await driver.close();
    expect(startedPids).toHaveLength(3);
    for (const pid of startedPids) expect(isPidAlive(pid)).toBe(false);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});

describe('nats driver, sync_interval always', () => {
  // jetstream.sync_interval exists from nats-server 2.10.0 on; older servers must be refused
  // with a message that says so, never run silently without the fsync.
  const version = spawnSync(findBinary({ name: 'nats-server', optionName: '-', debianPackage: 'nats-server' }), ['--version'], { encoding: 'utf8' }).stdout;
  const [major, minor] = (/v(\d+)\.(\d+)/.exec(version) ?? ['', '0', '0']).slice(1).map(Number);
  const supported = major! > 2 || (major === 2 && minor! >= 10);

  it(supported ? 'appends and reads back with an fsync on every write' : `refuses to start on ${version.trim()}, naming the version that supports it`, async () => {
    const driver = new NatsDriver({ durabilityMode: 'sync-always' });
    try {
      if (!supported) {
        await expect(driver.connect()).rejects.toThrow(/sync_interval: always.*added in nats-server 2\.10\.0/);
        return;
      }
      await driver.connect();
      expect(driver.durability).toMatch(/fsync on every write/);
      const load = await runTaggedLoad(driver, { producers: 4, countMax: 50 });
      expect(load.errors).toEqual([]);
      const [stream] = await driver.readBack!();
      expect(ledgerProblems(stream!, load.acked)).toEqual([]);
    } finally {
      await driver.close();
    }
  });
});

describe('nats driver without a usable binary', () => {
  it('says how to install nats-server when the binary is missing', async () => {
    const driver = new NatsDriver({ binary: '/nonexistent/sbin/nats-server' });
    await expect(driver.connect()).rejects.toThrow('apt-get install -y nats-server');
    await driver.close();
  });
});
