// The shared pieces of managed peers: free ports, binary lookup, process stop/kill/pause.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBinary, MissingBinaryError } from '../../src/drivers/find-binary.js';
import { freePorts } from '../../src/drivers/free-ports.js';
import { isPidAlive, livePeerPids, PeerProcess } from '../../src/drivers/peer-process.js';
import { ManagedGroup } from '../../src/drivers/managed-group.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logbench-peer-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('freePorts', () => {
  it('returns distinct bindable ports', async () => {
    const ports = await freePorts(6);
    expect(new Set(ports).size).toBe(6);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});

describe('findBinary', () => {
  it('names the Debian package to install when an explicit path does not exist', () => {
    expect(() => findBinary({ name: 'etcd', explicitPath: '/nonexistent/etcd', optionName: '--etcd-binary', debianPackage: 'etcd-server' })).toThrow(
      /etcd binary not found at "\/nonexistent\/etcd" \(--etcd-binary\): install it with `apt-get install -y etcd-server`/,
    );
  });

  it('names the Debian package when the name is not in PATH', () => {
    expect(() => findBinary({ name: 'logbench-no-such-server', optionName: '--x-binary', debianPackage: 'nats-server' })).toThrow(MissingBinaryError);
    expect(() => findBinary({ name: 'logbench-no-such-server', optionName: '--x-binary', debianPackage: 'nats-server' })).toThrow('apt-get install -y nats-server');
  });

  it('finds a binary in /usr/sbin even when PATH lacks it', () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      expect(findBinary({ name: 'sh', optionName: '--sh', debianPackage: 'dash' })).toMatch(/^\/usr\/s?bin\/sh$/);
    } finally {
      process.env['PATH'] = saved;
    }
  });
});

describe('PeerProcess', () => {
  it('stop() ends a process that ignores SIGTERM with SIGKILL after the grace time', async () => {
    const dir = tempDir();
    const p = new PeerProcess('stubborn', '/bin/sh', ['-c', 'trap "" TERM; while :; do sleep 0.05; done'], path.join(dir, 'log'));
    p.start();
    const pid = p.pid!;
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await p.stop(300);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(p.exitDescription()).toBe('signal SIGKILL');
    expect(isPidAlive(pid)).toBe(false);
    expect(livePeerPids()).not.toContain(pid);
  });

  it('stop() of a paused (SIGSTOPped) process still ends it with SIGTERM', async () => {
    const dir = tempDir();
    const group = new ManagedGroup('test', dir, [{ id: 'a', paused: false, process: new PeerProcess('sleeper', '/bin/sleep', ['30'], path.join(dir, 'a.log')) }]);
    group.startAll();
    const pid = group.member('a').process.pid!;
    group.pause('a');
    await group.close();
    expect(group.member('a').process.exitDescription()).toBe('signal SIGTERM');
    expect(isPidAlive(pid)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('reports a spawn failure as an exit with the reason in the log', async () => {
    const dir = tempDir();
    const p = new PeerProcess('missing', '/nonexistent/server', [], path.join(dir, 'log'));
    p.start();
    await p.waitExit();
    expect(p.running).toBe(false);
    expect(p.logTail()).toMatch(/ENOENT/);
  });

  /** A script that starts a PeerProcess (`sleep 30`), writes its pid to `pidFile`, then runs `then`. */
  function sleeperScript(then: string): { scriptPath: string; pidFile: string } {
    const dir = tempDir();
    const pidFile = path.join(dir, 'pid');
    const script = `
      import { PeerProcess } from ${JSON.stringify(path.resolve('src/drivers/peer-process.ts'))};
      const p = new PeerProcess('sleeper', '/bin/sleep', ['30'], ${JSON.stringify(path.join(dir, 'log'))});
      p.start();
      (await import('node:fs')).writeFileSync(${JSON.stringify(pidFile)}, String(p.pid));
      ${then}
    `;
    const scriptPath = path.join(dir, 'sleeper.mts');
    fs.writeFileSync(scriptPath, script);
    return { scriptPath, pidFile };
  }

  it('kills its processes when the Node process exits', async () => {
    const { scriptPath, pidFile } = sleeperScript('process.exit(0);');
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--import', 'tsx', scriptPath], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(isPidAlive(pid)).toBe(false);
  });

  it('a terminal Ctrl-C reaches logbench only; logbench then kills its servers (SIGINT and SIGHUP)', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGHUP', 129]] as const) {
      const { scriptPath, pidFile } = sleeperScript('setInterval(() => {}, 1000);');
      const { spawn } = await import('node:child_process');
      // Its own process group, as a shell gives a foreground job: the signal goes to the whole group.
      const child = spawn(process.execPath, ['--import', 'tsx', scriptPath], { stdio: 'ignore', detached: true });
      const deadline = Date.now() + 20_000;
      while (!fs.existsSync(pidFile) || fs.readFileSync(pidFile, 'utf8') === '') {
        if (Date.now() > deadline) throw new Error('the script did not start its server');
        await new Promise((r) => setTimeout(r, 20));
      }
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      try {
        // The server is not in logbench's process group, so a terminal's signal does not reach it.
        expect(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]).not.toBe(String(child.pid));
        process.kill(-child.pid!, signal);
        expect(await exited, signal).toBe(code);
        await new Promise((r) => setTimeout(r, 100));
        expect(isPidAlive(pid), signal).toBe(false);
      } finally {
        // A failing run must not leave the script or its server behind.
        for (const target of [-child.pid!, pid]) {
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    }
  });
});
