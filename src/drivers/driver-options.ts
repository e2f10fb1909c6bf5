// Readers for a scenario's `driver:` block (and the `group:` block for peer systems): each
// option is checked against what the system accepts and a wrong one is reported as
// `driver.<name>: expected <what>, got <value>` (a ScenarioError, so the CLI exits 2).
// Unknown keys are refused, naming the keys the system knows.

import { ScenarioError } from '../load/scenario.js';

export class OptionReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly block: string,
    private readonly system: string,
    private readonly values: Record<string, unknown>,
  ) {}

  private fail(name: string, expected: string): never {
    throw new ScenarioError(`${this.block}.${name}: expected ${expected} for system ${this.system}, got ${JSON.stringify(this.values[name])}`);
  }

  has(name: string): boolean {
    this.used.add(name);
    return this.values[name] !== undefined;
  }

  number(name: string, range: { min?: number; integer?: boolean } = {}): number | undefined {
    this.used.add(name);
    const value = this.values[name];
    if (value === undefined) return undefined;
    const min = range.min ?? 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (range.integer === true && !Number.isInteger(value))) {
      this.fail(name, `${range.integer === true ? 'an integer' : 'a number'} >= ${min}`);
    }
    return value;
  }

  string(name: string, pattern?: RegExp): string | undefined {
    this.used.add(name);
    const value = this.values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '' || (pattern !== undefined && !pattern.test(value))) this.fail(name, pattern !== undefined ? `a string matching ${pattern}` : 'a non-empty string');
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    this.used.add(name);
    const value = this.values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) this.fail(name, `one of ${choices.join(', ')}`);
    return value as T;
  }

  /** A list given as a YAML sequence or as one comma-separated string (the --endpoints form). */
  /**
   * `itemProblem` checks what a pattern cannot (a port in range): it returns what is wrong with
   * one item, or undefined.
   */
  list(name: string, itemPattern: RegExp, example: string, itemProblem: (item: string) => string | undefined = () => undefined): string[] | undefined {
    this.used.add(name);
    const value = this.values[name];
    if (value === undefined) return undefined;
    const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value;
    if (!Array.isArray(items) || items.length === 0 || items.some((item) => typeof item !== 'string' || !itemPattern.test(item))) {
      this.fail(name, `a non-empty list like ${example}`);
    }
    for (const item of items as string[]) {
      const problem = itemProblem(item);
      if (problem !== undefined) throw new ScenarioError(`${this.block}.${name}: "${item}": ${problem} (system ${this.system})`);
    }
    return items as string[];
  }

  /** Refuses keys no reader asked for. Call after reading every option. */
  rejectUnknown(): void {
    for (const key of Object.keys(this.values)) {
      if (this.values[key] !== undefined && !this.used.has(key)) {
        throw new ScenarioError(`${this.block}.${key}: not an option of system ${this.system}; expected one of ${[...this.used].join(', ') || '(none)'}`);
      }
    }
  }
}

export const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\/[^\s/]+(\/\S*)?$/i;

/** What the URL parser refuses in an item URL_PATTERN let through (a port over 65535, a bad host). */
export function urlProblem(item: string): string | undefined {
  try {
    new URL(item);
    return undefined;
  } catch {
    return 'not a valid URL (a port must be 1..65535)';
  }
}
