// Validation of result files against `logbench.result/v1`, before writing and when reading.
// Errors name the file and the field: `r.json: phases[0].throughput.opsPerSec: expected ...`.
// Reading checks that every histogram decodes, and keeps what it decoded (sparse-histogram.ts):
// a reader never decodes a histogram of the file a second time.

import { readFileSync } from 'node:fs';
import { decodeHistogram } from '../load/histogram.js';
import { compileSchema } from './ajv.js';
import { RESULT_SCHEMA, RESULT_SCHEMA_ID, schemaIdProblem } from './result-schema.js';
import type { RunResult } from './result-types.js';
import { runFileIdentity, type RunFileIdentity } from './same-run.js';
import { describeAjvErrors } from './schema-errors.js';
import { sparseOf, type SparseHistogram } from './sparse-histogram.js';

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

/** A result file as read: its content and every histogram of it, decoded once. */
export interface ResultFile {
  path: string;
  result: RunResult;
  /** Per phase, in the order of `result.phases`. */
  histograms: PhaseHistograms[];
  /** Which run this is (same-run.ts), from the bytes read. */
  identity: RunFileIdentity;
}

export interface PhaseHistograms {
  corrected: SparseHistogram;
  serviceTime: SparseHistogram;
  scheduleLag: SparseHistogram;
  /** Per point of the phase's series; null when the reader did not keep them (they are checked all the same). */
  series: SparseHistogram[] | null;
}

export interface ReadOptions {
  /** Keep the per-second histograms (compare needs them; one file's .hgrm or charts do not). */
  keepSeries: boolean;
}

export function readResultFile(path: string, options: ReadOptions = { keepSeries: false }): ResultFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ResultFileError(code === 'ENOENT' ? `${path}: result file not found` : `${path}: cannot read result file (${code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ResultFileError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const wrong = schemaIdProblem(value, [RESULT_SCHEMA_ID]);
  if (wrong !== null) throw new ResultFileError(`${path}: ${wrong}`);
  const checked = checkResultValue(path, value, bytes, options);
  if (Array.isArray(checked)) throw new ResultFileError(checked.join('\n'));
  return checked;
}

/**
 * A parsed result file (`value`, from `bytes`) checked against the schema, with every histogram
 * decoded once; or its problems, each line prefixed with the path. The step after parsing that
 * readResultFile and compare's loader share.
 */
export function checkResultValue(path: string, value: unknown, bytes: Uint8Array, options: ReadOptions): ResultFile | string[] {
  const problems = resultProblems(value);
  if (problems.length > 0) return problems.map((p) => `${path}: ${p}`);
  const result = value as RunResult;
  const decoded = decodeResultHistograms(result, options);
  if (!decoded.ok) return decoded.problems.map((p) => `${path}: ${p}`);
  return { path, result, histograms: decoded.phases, identity: runFileIdentity(path, bytes) };
}

/** Problems listed at most (a corrupt day-long series would otherwise give 86,400 lines). */
const HISTOGRAM_PROBLEMS_MAX = 10;

/**
 * Decodes every histogram of a result that passed the schema, each once: the decoded histograms,
 * or the fields whose histogram does not decode (the schema can only say it is a string).
 */
export function decodeResultHistograms(result: RunResult, options: ReadOptions): { ok: true; phases: PhaseHistograms[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  let more = 0;
  const empty: SparseHistogram = { valuesUs: new Float64Array(0), midsUs: new Float64Array(0), counts: new Float64Array(0) };
  /** The sparse form of a histogram that decodes (`keep`) or was not kept; a problem otherwise. */
  const decode = (field: string, base64: string, keep: boolean): SparseHistogram => {
    if (problems.length >= HISTOGRAM_PROBLEMS_MAX) {
      more++;
      return empty;
    }
    try {
      const histogram = decodeHistogram(base64);
      return keep ? sparseOf(histogram) : empty;
    } catch (error) {
      problems.push(`${field}: not a valid HdrHistogram (compressed base64, V2 encoding): ${(error as Error).message}`);
      return empty;
    }
  };
  const phases = result.phases.map((phase, i): PhaseHistograms => {
    const at = `phases[${i}].histograms`;
    const decoded: PhaseHistograms = {
      corrected: decode(`${at}.corrected`, phase.histograms.corrected, true),
      serviceTime: decode(`${at}.serviceTime`, phase.histograms.serviceTime, true),
      scheduleLag: decode(`${at}.scheduleLag`, phase.histograms.scheduleLag, true),
      series: null,
    };
    const series = (point: RunResult['phases'][number]['series'][number], j: number): SparseHistogram => decode(`phases[${i}].series[${j}].histogram`, point.histogram, options.keepSeries);
    if (options.keepSeries) decoded.series = phase.series.map(series);
    else phase.series.forEach(series);
    return decoded;
  });
  if (more > 0) problems.push(`... and ${more} more histograms not checked`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, phases };
}
