// Validation of result files against `logbench.result/v1`, before writing and when reading.
// Errors name the file and the field: `r.json: phases[0].throughput.opsPerSec: expected ...`.

import { readFileSync } from 'node:fs';
import { compileSchema } from './ajv.js';
import { RESULT_SCHEMA } from './result-schema.js';
import type { RunResult } from './result-types.js';
import { describeAjvErrors } from './schema-errors.js';

export class ResultFileError extends Error {
  override name = 'ResultFileError';
}

const validateResult = compileSchema<RunResult>(RESULT_SCHEMA);

/** Problems with a result object, one line per field; empty when valid. */
export function resultProblems(value: unknown): string[] {
  if (validateResult(value)) return [];
  return describeAjvErrors(validateResult.errors ?? []);
}

export function assertValidResult(value: unknown, label: string): asserts value is RunResult {
  const problems = resultProblems(value);
  if (problems.length > 0) throw new ResultFileError(problems.map((p) => `${label}: ${p}`).join('\n'));
}

export function readResultFile(path: string): RunResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ResultFileError(code === 'ENOENT' ? `${path}: result file not found` : `${path}: cannot read result file (${code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultFileError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  assertValidResult(value, path);
  return value;
}
