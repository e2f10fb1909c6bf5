// The shape every `logbench` command has. Commands live one per file in src/cli/commands/
// and are listed in src/cli/commands/index.ts.

import type { FlagSpecs, FlagValues } from './args.js';

export interface CommandContext {
  values: FlagValues;
  positionals: string[];
  /** --json was given: stdout must receive exactly one JSON object (use emitJson). */
  json: boolean;
  /** Human-readable output: stdout normally, stderr under --json so stdout stays one object. */
  print(line: string): void;
  /** Progress and logs: always stderr. */
  log(line: string): void;
  /** Writes the single JSON result object to stdout (only under --json). */
  emitJson(value: unknown): void;
}

export interface Command {
  /** One or more words, e.g. "sim" or "bench storage". */
  name: string;
  summary: string;
  /** Usage line after "logbench <name>", e.g. "--seeds N [--json]". */
  usage: string;
  flags: FlagSpecs;
  /** Inclusive bounds on positional arguments. */
  positionals?: { min: number; max: number; names: string };
  examples: string[];
  /** Returns the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/** The flags every command accepts. */
export const COMMON_FLAGS: FlagSpecs = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  json: { type: 'boolean', description: 'print exactly one JSON object on stdout (progress goes to stderr)' },
};
