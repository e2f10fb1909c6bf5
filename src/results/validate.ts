// Validation of result files against `logbench.result/v1`, before writing and when reading.
// Errors name the file and the field: `r.json: phases[0].throughput.opsPerSec: expected ...`.

import { readFileSync } from 'node:fs';
import { decodeHistogram } from '../load/histogram.js';
import { compileSchema } from './ajv.js';
import { RESULT_SCHEMA, RESULT_SCHEMA_ID, schemaIdProblem } from './result-schema.js';
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
  const wrong = schemaIdProblem(value, [RESULT_SCHEMA_ID]);
  if (wrong !== null) throw new ResultFileError(`${path}: ${wrong}`);
  assertValidResult(value, path);
  const problems = histogramProblems(value);
  if (problems.length > 0) throw new ResultFileError(problems.map((p) => `${path}: ${p}`).join('\n'));
  return value;
}

/** Problems listed at most (a corrupt day-long series would otherwise give 86,400 lines). */
const HISTOGRAM_PROBLEMS_MAX = 10;

/** Fields whose histogram does not decode (the schema can only say it is a string); empty when all do. */
export function histogramProblems(result: RunResult): string[] {
  const problems: string[] = [];
  let more = 0;
  const check = (field: string, base64: string): void => {
    if (problems.length >= HISTOGRAM_PROBLEMS_MAX) {
      more++;
      return;
    }
    try {
      decodeHistogram(base64);
    } catch (error) {
      problems.push(`${field}: not a valid HdrHistogram (compressed base64, V2 encoding): ${(error as Error).message}`);
    }
  };
  result.phases.forEach((phase, i) => {
    for (const name of ['corrected', 'serviceTime', 'scheduleLag'] as const) check(`phases[${i}].histograms.${name}`, phase.histograms[name]);
    phase.series.forEach((point, j) => check(`phases[${i}].series[${j}].histogram`, point.histogram));
  });
  if (more > 0) problems.push(`... and ${more} more histograms not checked`);
  return problems;
}
