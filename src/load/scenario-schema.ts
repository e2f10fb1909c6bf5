// JSON Schema of a scenario file (bench/scenarios/*.yaml). Unknown fields are rejected at every
// level except `driver` (system-specific options, checked by the system's own schema below).
// `faults` entries follow src/cluster/fault-spec.ts (cross-field checks there too).
// `group` accepts every engine knob (src/node/engine-config.ts); their ranges are checked by
// validateEngineConfig when the engine starts.

import { FAULTS_SCHEMA } from '../cluster/fault-spec.js';
import { DEFAULT_ENGINE_CONFIG } from '../node/engine-config.js';

const positiveNumber = { type: 'number', exclusiveMinimum: 0 } as const;
const nonNegativeNumber = { type: 'number', minimum: 0 } as const;
const positiveInteger = { type: 'integer', minimum: 1 } as const;
const nonNegativeInteger = { type: 'integer', minimum: 0 } as const;

/** Every numeric engine knob as a non-negative integer field. */
function engineKnobSchema(): Record<string, { type: 'integer'; minimum: number }> {
  const fields: Record<string, { type: 'integer'; minimum: number }> = {};
  for (const [key, value] of Object.entries(DEFAULT_ENGINE_CONFIG)) if (typeof value === 'number') fields[key] = { type: 'integer', minimum: 0 };
  return fields;
}

const rateOfPhase = {
  type: 'object',
  additionalProperties: false,
  required: ['phase', 'fraction'],
  properties: {
    phase: { type: 'string', minLength: 1 },
    fraction: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
  },
} as const;

const phaseCommon = {
  name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
  warmupSeconds: nonNegativeNumber,
  seconds: positiveNumber,
  ops: positiveInteger,
} as const;

export const CLOSED_PHASE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'concurrency'],
  properties: {
    type: { const: 'closed' },
    ...phaseCommon,
    concurrency: { type: 'integer', minimum: 1, maximum: 65_536 },
  },
} as const;

export const OPEN_PHASE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { const: 'open' },
    ...phaseCommon,
    rate: positiveNumber,
    rateOfPhase,
    arrival: { type: 'string', enum: ['constant', 'poisson'] },
    ramp: {
      type: 'object',
      additionalProperties: false,
      required: ['fromRate', 'seconds'],
      properties: { fromRate: positiveNumber, seconds: positiveNumber },
    },
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['seconds'],
        properties: { rate: positiveNumber, rateOfPhase, seconds: positiveNumber },
      },
    },
  },
} as const;

export const NULL_DRIVER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latencyUs: nonNegativeNumber,
    stallAtMs: nonNegativeNumber,
    stallMs: nonNegativeNumber,
    spinUsPerOp: nonNegativeNumber,
    failEvery: nonNegativeInteger,
    readBackReplicas: { type: 'integer', minimum: 0, maximum: 7 },
    readBackDropIndex: nonNegativeInteger,
  },
} as const;

export const SCENARIO_SCHEMA = {
  $id: 'logbench.scenario/v1',
  type: 'object',
  additionalProperties: false,
  required: ['system', 'phases'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
    description: { type: 'string' },
    system: { type: 'string', enum: ['engine', 'etcd', 'nats', 'null', 'http'] },
    group: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...engineKnobSchema(),
        replicas: { type: 'integer', enum: [1, 3, 5, 7] },
        mode: { type: 'string', enum: ['threads', 'process'] },
        // always | none | interval:<ms>, checked with its range by resolveScenario.
        fsync: { type: 'string' },
        dataDir: { type: 'string', minLength: 1 },
      },
    },
    driver: { type: 'object' },
    payload: {
      type: 'object',
      additionalProperties: false,
      properties: { sizeBytes: { type: 'integer', minimum: 16, maximum: 64 * 1024 * 1024 } },
    },
    generator: {
      type: 'object',
      additionalProperties: false,
      properties: {
        workers: { type: 'integer', minimum: 0, maximum: 64 },
        outstandingMax: { type: 'integer', minimum: 1, maximum: 65_536 },
        backlogMax: positiveInteger,
        scheduleLagMsMax: positiveNumber,
        scheduleLagFractionMax: { type: 'number', minimum: 0, maximum: 1 },
        drainSeconds: nonNegativeNumber,
        stallWarnMs: positiveNumber,
        opsPhaseSecondsMax: positiveNumber,
        acksMax: nonNegativeInteger,
        seed: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
        recordAcks: { type: 'string', enum: ['auto', 'always', 'never'] },
      },
    },
    phases: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string', enum: ['closed', 'open'] } },
        discriminator: { propertyName: 'type' },
        oneOf: [CLOSED_PHASE_SCHEMA, OPEN_PHASE_SCHEMA],
      },
    },
    faults: FAULTS_SCHEMA,
  },
  allOf: [{ if: { properties: { system: { const: 'null' } }, required: ['system'] }, then: { properties: { driver: NULL_DRIVER_SCHEMA } } }],
} as const;
