// `npm run bench:micro`: tinybench micro-benchmarks of the hot paths. Each topic file exports
// register(bench); results print as a table (ops/s, mean ns) and, with --out FILE, are written
// as JSON (git-ignored under results/ by default).

import { Bench } from 'tinybench';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

type Register = (bench: Bench) => void;

const TOPICS = ['raft', 'transport', 'storage', 'histogram'] as const;

async function loadTopic(topic: string): Promise<Register | undefined> {
  try {
    const module = (await import(`./${topic}.js`)) as { register?: Register };
    return module.register;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const outPath = outIndex >= 0 ? args[outIndex + 1] : undefined;
  const filter = args.find((a, i) => !a.startsWith('--') && (outIndex < 0 || i !== outIndex + 1));
  const bench = new Bench({ time: 500, warmupTime: 100 });
  for (const topic of TOPICS) {
    const register = await loadTopic(topic);
    if (register === undefined) {
      process.stderr.write(`bench:micro: no bench/micro/${topic}.ts, skipped\n`);
      continue;
    }
    register(bench);
  }
  if (filter !== undefined) {
    for (const task of [...bench.tasks]) if (!task.name.includes(filter)) bench.remove(task.name);
  }
  await bench.run();
  const rows = bench.tasks.map((task) => {
    const result = task.result as { throughput?: { mean: number }; error?: unknown } | undefined;
    const opsPerSec = result?.throughput?.mean ?? 0;
    const meanNs = opsPerSec > 0 ? 1e9 / opsPerSec : 0;
    return { name: task.name, opsPerSec: Math.round(opsPerSec), meanNs: Math.round(meanNs * 10) / 10 };
  });
  const width = Math.max(...rows.map((r) => r.name.length), 4);
  process.stdout.write(`${'task'.padEnd(width)}  ${'ops/s'.padStart(14)}  ${'mean ns'.padStart(12)}\n`);
  for (const row of rows) {
    process.stdout.write(`${row.name.padEnd(width)}  ${row.opsPerSec.toLocaleString('en-US').padStart(14)}  ${row.meanNs.toLocaleString('en-US').padStart(12)}\n`);
  }
  if (outPath !== undefined) {
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, JSON.stringify({ schema: 'logbench.micro/v1', node: process.version, tasks: rows }, null, 2) + '\n');
    process.stderr.write(`bench:micro: wrote ${outPath}\n`);
  }
}

await main();
