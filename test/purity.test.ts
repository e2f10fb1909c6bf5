// The raft core and the simulator must be pure functions of their inputs and seed: no clocks,
// no timers, no ambient randomness in src/raft or src/sim. Comments are ignored (they may name
// the banned calls to explain why); string contents are not, so nothing hides there.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pureDirs = ['src/raft', 'src/sim'];

const BANNED: readonly { name: string; pattern: RegExp }[] = [
  { name: 'Date.now', pattern: /\bDate\s*\.\s*now\b/ },
  { name: 'new Date(', pattern: /\bnew\s+Date\s*\(/ },
  { name: 'Math.random', pattern: /\bMath\s*\.\s*random\b/ },
  { name: 'performance.now', pattern: /\bperformance\s*\.\s*now\b/ },
  { name: 'process.hrtime', pattern: /\bprocess\s*\.\s*hrtime\b/ },
  { name: 'setTimeout', pattern: /\bsetTimeout\b/ },
  { name: 'setInterval', pattern: /\bsetInterval\b/ },
  { name: 'setImmediate', pattern: /\bsetImmediate\b/ },
  { name: 'crypto randomness', pattern: /\b(getRandomValues|randomUUID|randomBytes|randomInt)\b/ },
];

/** Removes // and /* *\/ comments, leaving string and template contents (and line breaks) in place. */
export function stripComments(source: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (quote !== '') {
      out += c;
      if (c === '\\') out += source[++i] ?? '';
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      out += c;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop - 1;
    } else {
      out += c;
    }
  }
  return out;
}

/** Each banned call in `source` as "line N: name". */
export function findImpurities(source: string): string[] {
  const found: string[] = [];
  stripComments(source)
    .split('\n')
    .forEach((line, n) => {
      for (const { name, pattern } of BANNED) if (pattern.test(line)) found.push(`line ${n + 1}: ${name}`);
    });
  return found;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(ts|js|mjs|cjs)$/.test(entry.name)) files.push(path);
  }
  return files;
}

describe('purity of src/raft and src/sim', () => {
  it('uses no clock, timer or ambient randomness', () => {
    const offences: string[] = [];
    let scanned = 0;
    for (const dir of pureDirs) {
      for (const file of sourceFiles(join(root, dir))) {
        scanned++;
        for (const hit of findImpurities(readFileSync(file, 'utf8'))) offences.push(`${relative(root, file)} ${hit}`);
      }
    }
    expect(scanned).toBeGreaterThanOrEqual(5);
    expect(offences).toEqual([]);
  });

  it('detects each banned call planted in code', () => {
    const planted = [
      'const t = Date.now();',
      'const d = new Date();',
      'if (Math.random() < 0.5) x();',
      'const p = performance.now();',
      'const h = process.hrtime.bigint();',
      'setTimeout(f, 1);',
      'const i = setInterval(f, 1);',
      'setImmediate(f);',
      'const id = crypto.randomUUID();',
    ];
    for (const line of planted) expect(findImpurities(`const a = 1;\n${line}\n`), line).toHaveLength(1);
    expect(findImpurities(planted.join('\n'))).toHaveLength(planted.length);
  });

  it('ignores banned names in comments but not after a string containing //', () => {
    expect(findImpurities('// Date.now is banned here\n/* Math.random\n setTimeout */ const x = 1;\n')).toEqual([]);
    expect(findImpurities('const url = "http://example"; const t = Date.now();')).toEqual(['line 1: Date.now']);
    expect(findImpurities('const s = `${a}`; /* c */ setTimeout(f);')).toEqual(['line 1: setTimeout']);
  });
});
