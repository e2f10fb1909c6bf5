// `logbench profile --replica leader` picks the busiest profile other than the main thread's:
// a worker thread in threads mode, a replica process in process mode (synthetic profiles).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pickProfiles, profileFileIds, readThreadProfiles } from '../../src/cli/commands/profile.js';

const MAIN_PID = 100;
let dir: string;

/** A profile file of `busyMs` in one function, named as node --cpu-prof names it. */
function writeProfile(pid: number, threadId: number, busyMs: number): void {
  const profile = {
    nodes: [{ id: 1, callFrame: { functionName: 'work', url: 'file:///x.js', lineNumber: 0, columnNumber: 0 }, hitCount: 10 }],
    startTime: 0,
    endTime: busyMs * 1000,
  };
  writeFileSync(join(dir, `CPU.20260101.000000.${pid}.${threadId}.001.cpuprofile`), JSON.stringify(profile));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logbench-profile-pick-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('profile picking', () => {
  it('reads the pid and thread id from the file name', () => {
    expect(profileFileIds('CPU.20260101.000000.4242.3.001.cpuprofile')).toEqual({ pid: 4242, threadId: 3 });
  });

  it('picks the busiest replica process in process mode', () => {
    writeProfile(MAIN_PID, 0, 900);
    writeProfile(201, 0, 50);
    writeProfile(202, 0, 300);
    writeProfile(203, 0, 40);
    const { chosen, why } = pickProfiles(readThreadProfiles(dir, MAIN_PID), 'leader');
    expect(chosen.map((p) => p.pid)).toEqual([202]);
    expect(why).toMatch(/busiest replica process \(process 202, 300 ms busy; next 50 ms\)/);
  });

  it('picks the busiest worker thread in threads mode, and the main thread for --replica main', () => {
    writeProfile(MAIN_PID, 0, 900);
    writeProfile(MAIN_PID, 1, 70);
    writeProfile(MAIN_PID, 2, 400);
    const profiles = readThreadProfiles(dir, MAIN_PID);
    const leader = pickProfiles(profiles, 'leader');
    expect(leader.chosen.map((p) => p.threadId)).toEqual([2]);
    expect(leader.why).toMatch(/busiest worker thread \(thread 2,/);
    expect(pickProfiles(profiles, 'main').chosen.map((p) => [p.pid, p.threadId])).toEqual([[MAIN_PID, 0]]);
  });

  it('falls back to the main thread when there is nothing else', () => {
    writeProfile(MAIN_PID, 0, 900);
    const { chosen, why } = pickProfiles(readThreadProfiles(dir, MAIN_PID), 'leader');
    expect(chosen.map((p) => p.pid)).toEqual([MAIN_PID]);
    expect(why).toMatch(/no worker threads or replica processes/);
  });
});
