// `npm run bench:micro`: tinybench micro-benchmarks of the hot paths. Each topic file exports
// register(bench); results print as a table (ops/s, mean ns) and, with --out FILE, are written
// as JSON (git-ignored under results/ by default).

import { Bench } from 'tinybench';
import { parseArgs } from 'node:util';
import { checkOutputPath, writeOutputFile } from '../../src/cli/output-path.js';
import { UsageError } from '../../src/cli/args.js';

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

const USAGE = `usage: npm run bench:micro -- [FILTER] [--out FILE]
  FILTER      run only the tasks whose name contains FILTER (e.g. crc32)
  --out FILE  also write the results as JSON (logbench.micro/v1) for \`logbench compare\`
  --help      print this help
`;

class MicroUsageError extends Error {}

/** The flag a util.parseArgs error is about ('--out', '-x'), from its message. */
function flagOf(error: unknown): string | undefined {
  return /'(-{1,2}[^' ,]+)/.exec(error instanceof Error ? error.message : String(error))?.[1];
}

function parseMicroArgs(args: string[]): { filter: string | undefined; outPath: string | undefined; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const flag = flagOf(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new MicroUsageError(`${flag ?? 'flag'}: unknown flag; expected FILTER, --out FILE or --help`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && (flag === '--out' || flag === undefined)) throw new MicroUsageError('--out: expected a file name (--out FILE)');
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new MicroUsageError('--help: takes no value');
    throw new MicroUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.out === '') throw new MicroUsageError('--out: expected a file name (--out FILE)');
  if (positionals.length > 1) throw new MicroUsageError(`"${positionals[1]}": one FILTER only (already "${positionals[0]}")`);
  return { filter: positionals[0], outPath: values.out, help: values.help === true };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseMicroArgs(process.argv.slice(2));
    // Before the benchmarks run: they must not end by failing to write the result.
    if (!parsed.help && parsed.outPath !== undefined) checkOutputPath('out', parsed.outPath);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bench:micro: ${error.message}\n`);
      return 2;
    }
    if (!(error instanceof MicroUsageError)) throw error;
    process.stderr.write(`bench:micro: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { filter, outPath } = parsed;
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
    const names = bench.tasks.map((t) => t.name);
    for (const task of [...bench.tasks]) if (!task.name.includes(filter)) bench.remove(task.name);
    if (bench.tasks.length === 0) {
      process.stderr.write(`bench:micro: filter "${filter}" matches no task; the tasks are: ${names.map((n) => `"${n}"`).join(', ')}\n`);
      return 2;
    }
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
    writeOutputFile(outPath, JSON.stringify({ schema: 'logbench.micro/v1', node: process.version, tasks: rows }, null, 2) + '\n');
    process.stderr.write(`bench:micro: wrote ${outPath}\n`);
  }
  return 0;
}

process.exitCode = await main();
