// Finding processes a test started, by what their command line mentions (a temp dir, a scenario).

import { readdirSync, readFileSync } from 'node:fs';

/** Pids of processes whose command line mentions `text`. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
