// Benchmark (not part of `npm test`): how long reopening a large log takes, with its segment
// index files intact and with them deleted (every segment rescanned and CRC-checked), and the
// RSS of a process holding the open log. Each reopen runs in a fresh child process so RSS and
// timing are not polluted by the writer. The files are in the page cache (just written): this
// measures the CPU cost of recovery, not cold-disk reads.
//
//   node --import tsx bench/storage-reopen.ts [--dir D] [--gib 1] [--entry-bytes 1024] [--json]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FileLogStore } from '../src/storage/file-store.js';
import type { Entry } from '../src/raft/types.js';
import { asIndex, asTerm } from '../src/types.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    gib: { type: 'string', default: '1' },
    'entry-bytes': { type: 'string', default: '1024' },
    child: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

interface ChildReport {
  openMs: number;
  rssMB: number;
  heapUsedMB: number;
  indexMB: number;
  lastIndex: number;
  segments: number;
  indexFilesLoaded: number;
  segmentsScanned: number;
}

async function child(dir: string): Promise<void> {
  const t0 = performance.now();
  const store = await FileLogStore.open({ dir });
  const openMs = performance.now() - t0;
  // Touch the tail like a restarting replica would (raft reads its last term).
  store.term(store.lastIndex());
  const memory = process.memoryUsage();
  const report: ChildReport = {
    openMs: Math.round(openMs),
    rssMB: Math.round(memory.rss / 1e6),
    heapUsedMB: Math.round(memory.heapUsed / 1e6),
    indexMB: Math.round((store.memoryBytes().indexBytes / 1e6) * 10) / 10,
    lastIndex: store.lastIndex(),
    segments: store.segmentCount(),
    indexFilesLoaded: store.recovery.indexFilesLoaded,
    segmentsScanned: store.recovery.segmentsScanned,
  };
  await store.close();
  process.stdout.write(JSON.stringify(report) + '\n');
}

function reopenInChild(dir: string): ChildReport {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, '--child', dir], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildReport;
}

async function fill(dir: string, totalBytes: number, entryBytes: number): Promise<number> {
  const store = await FileLogStore.open({ dir, fsync: { kind: 'none' } });
  const body = new Uint8Array(entryBytes).fill(0x61);
  const perBatch = 512;
  let index = 1;
  let written = 0;
  while (written < totalBytes) {
    const batch: Entry[] = [];
    for (let i = 0; i < perBatch; i++) batch.push({ index: asIndex(index++), term: asTerm(1), data: body });
    await store.append(batch);
    written += perBatch * (entryBytes + 32);
  }
  await store.sync();
  await store.close();
  return index - 1;
}

async function main(): Promise<void> {
  if (values.child !== undefined) return child(values.child);
  const gib = Number(values.gib);
  const entryBytes = Number(values['entry-bytes']);
  const base = values.dir ?? tmpdir();
  const dir = mkdtempSync(join(base, 'logbench-reopen-'));
  const log = (line: string): void => void process.stderr.write(line + '\n');
  try {
    log(`writing ${gib} GiB of ${entryBytes}-byte entries in ${dir} ...`);
    const t0 = performance.now();
    const entries = await fill(dir, gib * 1024 ** 3, entryBytes);
    log(`  ${entries} entries in ${Math.round(performance.now() - t0)} ms`);
    const intact = reopenInChild(dir);
    log(`reopen, index intact:  ${intact.openMs} ms, RSS ${intact.rssMB} MB (index ${intact.indexMB} MB), ${intact.segments} segments, ${intact.indexFilesLoaded} index files loaded`);
    for (const name of readdirSync(dir)) if (name.endsWith('.idx')) unlinkSync(join(dir, name));
    const rebuilt = reopenInChild(dir);
    log(`reopen, index deleted: ${rebuilt.openMs} ms, RSS ${rebuilt.rssMB} MB, ${rebuilt.segmentsScanned} segments scanned`);
    const again = reopenInChild(dir);
    log(`reopen after rebuild:  ${again.openMs} ms`);
    if (values.json === true) process.stdout.write(JSON.stringify({ gib, entryBytes, entries, intact, indexDeleted: rebuilt, afterRebuild: again }) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
