// Which files are the base side and which the head side of a comparison. Accepted forms:
//   BASE.json HEAD.json                                  (two positionals)
//   --base a.json --base b.json --head c.json            (repeated flags)
//   --base a.json b.json --head c.json d.json            (files after a flag belong to it)
//   --base 'results/ab/base-*.json' --head 'results/ab/head-*.json'   (globs, expanded here)
// Globs support * and ? in the last path component (Node 20 has no fs.glob); matches are sorted.

import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class FileListError extends Error {
  override name = 'FileListError';
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

/** Expands one argument: a path, or a pattern with * or ? in its file name. */
export function expandGlob(argument: string, flag: string): string[] {
  if (!/[*?]/.test(argument)) return [argument];
  const dir = dirname(argument);
  if (/[*?]/.test(dir)) throw new FileListError(`${flag} ${argument}: wildcards are supported in the file name only, not in directories`);
  if (!existsSync(dir)) throw new FileListError(`${flag} ${argument}: directory ${dir} not found`);
  const matcher = globToRegExp(basename(argument));
  const matches = readdirSync(dir).filter((name) => matcher.test(name)).sort().map((name) => (dir === '.' && !argument.startsWith('./') ? name : join(dir, name)));
  if (matches.length === 0) throw new FileListError(`${flag} ${argument}: no file matches`);
  return matches;
}

/**
 * Assigns loose positionals to the --base/--head flag they follow in `argv` (the command's own
 * arguments). `valueFlags` are the command's flags that take a value (their value is skipped).
 */
export function assignSides(argv: readonly string[], valueFlags: ReadonlySet<string>): { base: string[]; head: string[]; loose: string[] } {
  const base: string[] = [];
  const head: string[] = [];
  const loose: string[] = [];
  let current: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      loose.push(...argv.slice(i + 1));
      break;
    }
    if (token.startsWith('--')) {
      const [name, inline] = token.slice(2).split('=', 2) as [string, string | undefined];
      if (name === 'base' || name === 'head') {
        current = name === 'base' ? base : head;
        if (inline !== undefined) current.push(inline);
        else if (i + 1 < argv.length) current.push(argv[++i]!);
        continue;
      }
      current = null;
      if (inline === undefined && valueFlags.has(name)) i++;
      continue;
    }
    if (token.startsWith('-') && token.length > 1) {
      current = null;
      continue;
    }
    (current ?? loose).push(token);
  }
  return { base, head, loose };
}
