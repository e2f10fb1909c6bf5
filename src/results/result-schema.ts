// The result file's JSON Schema, `logbench.result/v1`. The TypeScript object is the source of
// truth (tsc does not copy .json files into dist/); src/results/result.schema.json is the same
// schema written out for other tools, and a test fails when the two differ (regenerate with
// UPDATE_RESULT_SCHEMA=1 npx vitest run test/results/schema-file.test.ts).
// Every object is closed (additionalProperties: false) except the resolved scenario and the
// driver's settings, so a corrupted or hand-edited file is caught.

export const RESULT_SCHEMA_ID = 'logbench.result/v1';
/** Micro-benchmark files (`npm run bench:micro -- --out F`); only `logbench compare` reads them. */
export const MICRO_SCHEMA_ID = 'logbench.micro/v1';

/**
 * The top-level problem of a parsed file, checked before its fields: not a JSON object, or a
 * `schema` other than `accepted` (a field-by-field listing against the wrong schema says nothing
 * useful). Null when the file claims an accepted schema.
 */
export function schemaIdProblem(value: unknown, accepted: readonly string[]): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `(top level): expected a JSON object with a "schema" field, got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`;
  }
  const schema = (value as Record<string, unknown>)['schema'];
  if (typeof schema === 'string' && accepted.includes(schema)) return null;
  const hint = schema === MICRO_SCHEMA_ID ? ' (a micro-benchmark file; compare it with logbench compare)' : '';
  return `schema: expected ${accepted.map((id) => JSON.stringify(id)).join(' or ')}, got ${schema === undefined ? 'nothing' : JSON.stringify(schema)}${hint}`;
}

const count = { type: 'integer', minimum: 0 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;
const nullableNumber = { type: ['number', 'null'] } as const;
const nullableCount = { type: ['integer', 'null'], minimum: 0 } as const;
const nullableString = { type: ['string', 'null'] } as const;
const base64 = { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' } as const;

function closed(properties: Record<string, unknown>, optional: string[] = []): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties).filter((k) => !optional.includes(k)), properties };
}

const percentiles = closed({ count, meanUs: nonNegative, p50Us: nonNegative, p90Us: nonNegative, p99Us: nonNegative, p999Us: nonNegative, p9999Us: nonNegative, maxUs: nonNegative });

const seriesPoint = closed({ second: count, warmup: { type: 'boolean' }, ops: count, errors: count, p50Us: nonNegative, p99Us: nonNegative, maxUs: nonNegative, histogram: base64 });

const ledgerStatus = { type: 'string', enum: ['ok', 'failed', 'not-run'] } as const;

const phase = closed({
  index: count,
  name: { type: 'string', minLength: 1 },
  type: { type: 'string', enum: ['closed', 'open'] },
  startedAt: { type: 'string' },
  target: closed({
    concurrency: nullableCount,
    rate: nullableNumber,
    arrival: { type: ['string', 'null'], enum: ['constant', 'poisson', null] },
    rampFromRate: nullableNumber,
    rampSeconds: nullableNumber,
    rateRule: { oneOf: [{ type: 'null' }, closed({ phase: { type: 'string' }, fraction: nonNegative, baseOpsPerSec: nonNegative })] },
    ops: nullableCount,
    seconds: nullableNumber,
  }),
  warmupSeconds: nonNegative,
  measuredSeconds: nonNegative,
  wallSeconds: nonNegative,
  workers: count,
  interrupted: { type: 'boolean' },
  ops: closed({ acked: count, errors: count, omitted: count, warmupAcked: count }),
  throughput: closed({ opsPerSec: nonNegative, bytesPerSec: nonNegative, mbPerSec: nonNegative }),
  latencyUs: closed({ corrected: percentiles, serviceTime: percentiles }),
  histograms: closed({ unit: { const: 'us' }, significantDigits: { const: 3 }, corrected: base64, serviceTime: base64, scheduleLag: base64 }),
  series: { type: 'array', items: seriesPoint },
  generator: closed({
    coordinatedOmissionCorrected: { type: 'boolean' },
    saturated: { type: 'boolean' },
    scheduleLagMsMax: nonNegative,
    scheduleLagFractionMax: nonNegative,
    lateOpsFraction: nonNegative,
    scheduleLagUs: closed({ p99: nonNegative, max: nonNegative }),
    outstandingMax: nullableCount,
    delayedByOutstandingLimitFraction: nonNegative,
    completionGapMsMax: nonNegative,
    warnings: { type: 'array', items: { type: 'string' } },
  }),
  correctness: closed({ acked: count, lost: nullableCount, duplicated: nullableCount, divergent: nullableCount, ledger: ledgerStatus }),
  diskLimitRatio: nullableNumber,
  errorSamples: { type: 'array', items: { type: 'string' }, maxItems: 20 },
});

const nullableMs = { type: ['number', 'null'], minimum: 0 } as const;
const trialSummary = closed({ count, median: nullableNumber, p99: nullableNumber, max: nullableNumber });
const faultMetrics = closed({
  kind: { type: 'string' },
  target: { type: 'string' },
  atMs: nonNegative,
  endAtMs: nullableNumber,
  leaderBefore: nullableString,
  leaderElectedMs: nullableMs,
  newLeader: nullableString,
  oldLeaderSteppedDownMs: nullableMs,
  unavailableMs: nullableMs,
  longestGapMs: nonNegative,
  opsPerSecBefore: nonNegative,
  dipFraction: nullableMs,
  recoverTo90Ms: nullableMs,
  p99UsBefore: nullableMs,
  p99UsDuring: nullableMs,
  p99UsAfter: nullableMs,
  errorsDuring: count,
  note: nullableString,
});
const faultMarker = closed({
  atMs: nonNegative,
  kind: { type: 'string' },
  target: { type: 'string' },
  fault: nullableCount,
  scheduled: { type: 'boolean' },
  endAtMs: nullableNumber,
  leaderBefore: nullableString,
  note: nullableString,
});
const failoverSection = closed({
  bucketMs: { type: 'integer', minimum: 1 },
  startMs: nonNegative,
  faults: { type: 'array', items: faultMetrics },
  summary: { type: 'object', additionalProperties: closed({ unavailableMs: trialSummary, leaderElectedMs: trialSummary, recoverTo90Ms: trialSummary, longestGapMs: trialSummary }) },
  markers: { type: 'array', items: faultMarker },
  leaderEvents: { type: 'array', items: closed({ atMs: nonNegative, member: { type: 'string' }, role: { type: 'string' }, term: nullableCount }) },
  timeline: closed({ commits: { type: 'array', items: count }, errors: { type: 'array', items: count }, truncated: { type: 'boolean' } }),
  completionsTruncated: { type: 'boolean' },
});

const findMaxPoint = closed({ rate: nonNegative, opsPerSec: nonNegative, p50Us: nonNegative, p99Us: nonNegative, p999Us: nonNegative, saturated: { type: 'boolean' }, meetsSlo: { type: 'boolean' }, phase: { type: 'string' } });

export const RESULT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: RESULT_SCHEMA_ID,
  title: 'logbench result file',
  ...closed({
    schema: { const: RESULT_SCHEMA_ID },
    complete: { type: 'boolean' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    wallSeconds: nonNegative,
    command: { type: 'array', items: { type: 'string' } },
    // The resolved scenario: its own schema is the scenario file's; here only its frame is checked.
    scenario: {
      type: 'object',
      required: ['name', 'system', 'group', 'payload', 'generator', 'phases'],
      properties: { name: { type: 'string' }, system: { type: 'string' }, group: { type: 'object' }, payload: { type: 'object' }, generator: { type: 'object' }, phases: { type: 'array' } },
    },
    system: closed(
      {
        name: { type: 'string' },
        durability: { type: 'string' },
        settings: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
        // What the system reported about itself after the load (the engine: stage times, fdatasyncs).
        diagnostics: { type: 'object', additionalProperties: { type: 'number' } },
      },
      ['diagnostics'],
    ),
    environment: closed(
      {
        logbenchVersion: { type: 'string' },
        node: { type: 'string' },
        // process.execArgv of the run; absent in results of earlier versions.
        nodeFlags: { type: 'array', items: { type: 'string' } },
        v8: { type: 'string' },
        platform: { type: 'string' },
        arch: { type: 'string' },
        cpuModel: { type: 'string' },
        cores: count,
        memoryBytes: count,
        kernel: { type: 'string' },
        hostname: { type: 'string' },
        dataDir: nullableString,
        filesystem: nullableString,
        diskLimits: { oneOf: [{ type: 'null' }, { type: 'object' }] },
        git: closed({ commit: nullableString, dirty: { type: ['boolean', 'null'] } }),
      },
      ['nodeFlags'],
    ),
    phases: { type: 'array', items: phase },
    correctness: closed({
      ledger: ledgerStatus,
      reason: nullableString,
      acked: count,
      lost: nullableCount,
      duplicated: nullableCount,
      divergent: nullableCount,
      reordered: nullableCount,
      acksTruncated: { type: 'boolean' },
    }),
    failover: { oneOf: [{ type: 'null' }, failoverSection] },
    findMax: {
      oneOf: [{ type: 'null' }, closed({ slo: { type: 'string' }, kneeRate: nullableNumber, kneeOpsPerSec: nullableNumber, curve: { type: 'array', items: findMaxPoint } })],
    },
    warnings: { type: 'array', items: { type: 'string' } },
  }),
} as const;
