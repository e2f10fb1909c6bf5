// Reads the files `logbench compare` is given: run results (`logbench.result/v1`) or
// micro-benchmark results (`logbench.micro/v1`, written by `npm run bench:micro -- --out F`).
// Every problem becomes a CompareInputError whose message names the file and the field; the
// command maps it to exit code 2. One comparison never mixes the two kinds.

import { readFileSync } from 'node:fs';
import { compileSchema } from './ajv.js';
import { MICRO_SCHEMA_ID, RESULT_SCHEMA_ID, schemaIdProblem } from './result-schema.js';
import { repeatedRunProblem, runFileIdentity, sharedRunProblem, type RunFileIdentity } from './same-run.js';
import { describeAjvErrors } from './schema-errors.js';
import { checkResultValue, type ResultFile } from './validate.js';


export class CompareInputError extends Error {
  override name = 'CompareInputError';
}

export interface MicroTask {
  name: string;
  opsPerSec: number;
  meanNs: number;
}

export interface MicroResult {
  schema: typeof MICRO_SCHEMA_ID;
  node?: string;
  tasks: MicroTask[];
}

const MICRO_SCHEMA = {
  type: 'object',
  required: ['schema', 'tasks'],
  additionalProperties: false,
  properties: {
    schema: { const: MICRO_SCHEMA_ID },
    node: { type: 'string' },
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'opsPerSec', 'meanNs'],
        properties: { name: { type: 'string', minLength: 1 }, opsPerSec: { type: 'number', minimum: 0 }, meanNs: { type: 'number', minimum: 0 } },
      },
    },
  },
} as const;

const validateMicro = compileSchema<MicroResult>(MICRO_SCHEMA);

export type LoadedFile = ({ kind: 'result' } & ResultFile) | { kind: 'micro'; path: string; micro: MicroResult; identity: RunFileIdentity };

export function loadCompareFile(path: string): LoadedFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CompareInputError(code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot read (${code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new CompareInputError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const wrong = schemaIdProblem(value, [RESULT_SCHEMA_ID, MICRO_SCHEMA_ID]);
  if (wrong !== null) throw new CompareInputError(`${path}: ${wrong}`);
  if ((value as { schema: string }).schema === MICRO_SCHEMA_ID) {
    if (!validateMicro(value)) throw new CompareInputError(describeAjvErrors(validateMicro.errors ?? []).map((p) => `${path}: ${p}`).join('\n'));
    return { kind: 'micro', path, micro: value, identity: runFileIdentity(path, bytes) };
  }
  const checked = checkResultValue(path, value, bytes, { keepSeries: true });
  if (Array.isArray(checked)) throw new CompareInputError(checked.join('\n'));
  return { kind: 'result', ...checked };
}

export type LoadedSides = { kind: 'result'; base: ResultFile[]; head: ResultFile[] } | { kind: 'micro'; base: Array<{ path: string; micro: MicroResult }>; head: Array<{ path: string; micro: MicroResult }> };

/**
 * Loads both sides; all files must be of one kind. `load` reads one file (a caller that compares
 * the same files several times passes one that keeps what it read).
 */
export function loadSides(basePaths: readonly string[], headPaths: readonly string[], load: (path: string) => LoadedFile = loadCompareFile): LoadedSides {
  if (basePaths.length === 0) throw new CompareInputError('no base files given');
  if (headPaths.length === 0) throw new CompareInputError('no head files given');
  const base = basePaths.map((path) => load(path));
  const head = headPaths.map((path) => load(path));
  // Checked once every file has loaded, so a broken file is reported as such even when repeated.
  const baseIds = base.map((f) => f.identity);
  const headIds = head.map((f) => f.identity);
  const repeated = repeatedRunProblem(baseIds, 'on the base side') ?? repeatedRunProblem(headIds, 'on the head side') ?? sharedRunProblem(baseIds, headIds);
  if (repeated !== null) throw new CompareInputError(repeated);
  const kind = base[0]!.kind;
  const odd = [...base, ...head].find((f) => f.kind !== kind);
  if (odd !== undefined) {
    throw new CompareInputError(`${odd.path}: schema: expected "${kind === 'result' ? RESULT_SCHEMA_ID : MICRO_SCHEMA_ID}" like ${base[0]!.path}; a comparison cannot mix run results and micro-benchmark results`);
  }
  if (kind === 'result') {
    const pick = (files: LoadedFile[]): ResultFile[] => files.map((f) => (f.kind === 'result' ? f : unreachableKind()));
    return { kind, base: pick(base), head: pick(head) };
  }
  const pick = (files: LoadedFile[]): Array<{ path: string; micro: MicroResult }> => files.map((f) => (f.kind === 'micro' ? f : unreachableKind()));
  return { kind, base: pick(base), head: pick(head) };
}

function unreachableKind(): never {
  throw new Error('internal: file kinds checked above');
}
