// Flag parsing for every `logbench` command, on Node's built-in util.parseArgs (strict mode:
// unknown flags are errors). Every user mistake becomes a UsageError, which the CLI turns into
// exit code 2 and a message naming the flag and what was expected.

import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in --help, e.g. N or DIR. */
  valueName?: string;
  /** Default shown in --help (parsing leaves the value undefined; commands apply defaults). */
  defaultText?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface ParsedArgs {
  values: FlagValues;
  positionals: string[];
}

export function parseFlags(argv: string[], specs: FlagSpecs, commandName: string): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type };
    if (spec.short !== undefined) options[name].short = spec.short;
    if (spec.multiple === true) options[name].multiple = true;
  }
  // util.parseArgs reads "-1" after a string flag as another flag; join negative numbers to their
  // flag so "--seeds -1" reaches the value check ("expected an integer >= 1, got -1").
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && specs[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`logbench ${commandName}: ${describeParseError(error, specs)}`);
  }
  // `--dir ""` is a missing value, not the current directory (no string flag means anything empty).
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === '' || (Array.isArray(value) && value.includes(''))) {
      throw new UsageError(`logbench ${commandName}: flag --${name}: expected a value (${specs[name]?.valueName ?? 'VALUE'})`);
    }
  }
  return { values: parsed.values as FlagValues, positionals: parsed.positionals };
}

function describeParseError(error: unknown, specs: FlagSpecs): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
    const known = Object.keys(specs).map((n) => `--${n}`).join(', ');
    return `unknown flag ${flag}; expected one of: ${known} (see --help)`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    const name = flag.replace(/^-+/, '').split(' ')[0] ?? '';
    const spec = specs[name];
    if (spec?.type === 'string') return `flag --${name}: expected a value (${spec.valueName ?? 'VALUE'})`;
    return `flag --${name}: takes no value`;
  }
  return message;
}

// ---- value readers: each names the flag and what was expected ----

export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`flag --${name}: expected a single value`);
  return value;
}

export function boolFlag(values: FlagValues, name: string): boolean {
  return values[name] === true;
}

export function listFlag(values: FlagValues, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

export interface IntRange {
  min?: number;
  max?: number;
}

export function parseIntStrict(text: string, what: string, range: IntRange = {}): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new UsageError(`${what}: expected an integer, got "${text}"`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) throw new UsageError(`${what}: expected an integer, got "${text}"`);
  if (range.min !== undefined && value < range.min) {
    throw new UsageError(`${what}: expected an integer >= ${range.min}, got ${value}`);
  }
  if (range.max !== undefined && value > range.max) {
    throw new UsageError(`${what}: expected an integer <= ${range.max}, got ${value}`);
  }
  return value;
}

export function intFlag(values: FlagValues, name: string, fallback: number, range: IntRange = {}): number {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  return parseIntStrict(text, `flag --${name}`, range);
}

export function numberFlag(values: FlagValues, name: string, fallback: number, range: IntRange = {}): number {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`flag --${name}: expected a number, got "${text}"`);
  }
  if (range.min !== undefined && value < range.min) {
    throw new UsageError(`flag --${name}: expected a number >= ${range.min}, got ${value}`);
  }
  if (range.max !== undefined && value > range.max) {
    throw new UsageError(`flag --${name}: expected a number <= ${range.max}, got ${value}`);
  }
  return value;
}

export function choiceFlag<T extends string>(values: FlagValues, name: string, choices: readonly T[], fallback: T): T {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`flag --${name}: expected one of ${choices.join(', ')}, got "${text}"`);
  }
  return text as T;
}

export function intChoiceFlag(values: FlagValues, name: string, choices: readonly number[], fallback: number): number {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  const value = parseIntStrict(text, `flag --${name}`);
  if (!choices.includes(value)) {
    throw new UsageError(`flag --${name}: expected one of ${choices.join(', ')}, got ${value}`);
  }
  return value;
}
