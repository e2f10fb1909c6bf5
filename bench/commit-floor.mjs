// The disk's own floor for a concurrency-1 commit of a 3-replica group whose replicas share one
// disk, without any engine: per round, the "leader" writes one entry (1 KiB body + 32 B header) and
// starts its fdatasync, the two "followers" do the same HOP_US later (the replication hop), and
// the round's commit time is when the second of the three fdatasyncs completes (a majority is
// durable). Beside it: one writer alone, the fdatasync `logbench disk` compares with. The two
// shapes alternate in 10 blocks so that the disk's drift over the run hits both alike.
// On ext4 an fdatasync that extends a file commits the journal, and journal commits are serial:
// fdatasyncs that arrive while one is committing wait for the next commit.
//
// Run: node bench/commit-floor.mjs [--dir D] [--rounds N] [--hop-us US]
// (default dir: the system temp dir; 2,000 rounds; 80 µs hop). Bounded: N rounds of each shape.
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dir: { type: 'string' }, rounds: { type: 'string' }, 'hop-us': { type: 'string' } } });
const rounds = Number(values.rounds ?? 2000);
const hopUs = Number(values['hop-us'] ?? 80);
const BLOCKS = 10;
function usage(message) {
  process.stderr.write(`commit-floor: ${message}\n`);
  process.exit(2);
}
if (!Number.isInteger(rounds) || rounds < 100 || rounds > 1_000_000) usage(`--rounds: expected an integer 100..1000000, got ${values.rounds}`);
if (!(hopUs >= 0 && hopUs <= 10_000)) usage(`--hop-us: expected a number of µs in 0..10000, got ${values['hop-us']}`);
const dir = mkdtempSync(join(values.dir ?? tmpdir(), 'logbench-floor-'));
const ENTRY_BYTES = 1024 + 32;
const entry = Buffer.alloc(ENTRY_BYTES, 0x5a);

const datasync = (fd) => new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
const spinUs = (us) => {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const summary = (samplesMs) => {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { p50Us: Math.round(percentile(sorted, 50) * 1000), p99Us: Math.round(percentile(sorted, 99) * 1000) };
};

/** `count` rounds of one writer alone, appending from round `first` on. */
async function alone(fd, first, count, samples) {
  for (let round = first; round < first + count; round++) {
    const started = performance.now();
    writeSync(fd, entry, 0, ENTRY_BYTES, round * ENTRY_BYTES);
    await datasync(fd);
    samples.push(performance.now() - started);
  }
}

/** `count` rounds of the three writers (`fds`: leader, follower, follower). */
async function group(fds, first, count, samples) {
  for (let round = first; round < first + count; round++) {
    const started = performance.now();
    const doneMs = [];
    const start = (fd) => {
      writeSync(fd, entry, 0, ENTRY_BYTES, round * ENTRY_BYTES);
      return datasync(fd).then(() => doneMs.push(performance.now() - started));
    };
    const leader = start(fds[0]);
    spinUs(hopUs);
    await Promise.all([leader, start(fds[1]), start(fds[2])]);
    doneMs.sort((a, b) => a - b);
    samples.push(doneMs[1]);
  }
}

try {
  const aloneFd = openSync(join(dir, 'alone'), 'w');
  const groupFds = ['leader', 'follower1', 'follower2'].map((name) => openSync(join(dir, name), 'w'));
  const aloneMs = [];
  const groupMs = [];
  const perBlock = Math.ceil(rounds / BLOCKS);
  for (let first = 0; first < rounds; first += perBlock) {
    const count = Math.min(perBlock, rounds - first);
    await alone(aloneFd, first, count, aloneMs);
    await group(groupFds, first, count, groupMs);
  }
  for (const fd of [aloneFd, ...groupFds]) closeSync(fd);
  const one = summary(aloneMs);
  const majority = summary(groupMs);
  console.log(JSON.stringify({ dir: values.dir ?? tmpdir(), rounds, hopUs, fdatasyncAlone: one, majorityOfThree: majority, floorToFsyncP50: Math.round((majority.p50Us / one.p50Us) * 100) / 100 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
