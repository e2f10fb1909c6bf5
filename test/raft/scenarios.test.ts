// Runs every text scenario in test/raft/scenarios/ and compares the printed state with the
// expected text. REWRITE=1 rewrites the files with the actual output (review the diff!).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScenario, parseScenario, ScenarioRunner } from './scenario-runner.js';

const dir = join(import.meta.dirname, 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('raft text scenarios', () => {
  it('has the scenarios', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of files) {
    it(file, () => {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const result = new ScenarioRunner().run(parseScenario(text));
      const actual = formatScenario(result);
      if (process.env['REWRITE'] === '1') {
        writeFileSync(path, actual);
        return;
      }
      expect(actual).toBe(text);
    });
  }
});
