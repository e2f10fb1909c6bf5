// A group's data directory: a given `dataDirUnder` (a scenario's group.dataDir) must exist already
// and is never created by the group (checkDataDir refuses a missing one; the two agree), and a
// pseudo-filesystem is refused at once. A given `dataDir` is created when missing.

import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { prepareDataDir } from '../../src/cluster/member-group.js';
import { checkDataDir } from '../../src/drivers/engine-driver.js';
import { DEFAULT_ENGINE_CONFIG } from '../../src/node/engine-config.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-group-data-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = DEFAULT_ENGINE_CONFIG;

test('a missing dataDirUnder is refused as checkDataDir refuses it, and not created', () => {
  const missing = join(dir, 'missing', 'under');
  expect(() => checkDataDir(missing)).toThrow(`group.dataDir: ${missing} does not exist`);
  expect(() => prepareDataDir({ config, dataDirUnder: missing })).toThrow(`group data directory: ${missing} does not exist`);
  expect(existsSync(join(dir, 'missing'))).toBe(false);
});

test.skipIf(process.platform !== 'linux')('a dataDirUnder on /proc is refused at once', () => {
  expect(() => checkDataDir('/proc')).toThrow('group.dataDir: /proc is on the proc filesystem');
  expect(() => prepareDataDir({ config, dataDirUnder: '/proc' })).toThrow('group data directory: /proc is on the proc filesystem');
});

test('an existing dataDirUnder gets a fresh directory the group owns', () => {
  const { dataDir, owns } = prepareDataDir({ config, dataDirUnder: dir });
  expect(owns).toBe(true);
  expect(readdirSync(dir)).toContain(dataDir.slice(dir.length + 1));
  rmSync(dataDir, { recursive: true });
});

test('a given dataDir is created when missing and not owned', () => {
  const given = join(dir, 'given', 'data');
  expect(prepareDataDir({ config, dataDir: given })).toEqual({ dataDir: given, owns: false });
  expect(statSync(given).isDirectory()).toBe(true);
});
