// Worker threads and child processes run compiled JavaScript from dist/. When this code itself
// runs from TypeScript sources (under the test runner), point at the same module in dist/.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Absolute path of dist/src/<relative> (relative like "node/worker-main.js"). */
export function compiledModulePath(relative: string): string {
  const here = fileURLToPath(import.meta.url); // .../dist/src/cluster/module-path.js or .../src/cluster/module-path.ts
  const srcDir = dirname(dirname(here));
  const root = here.endsWith('.ts') ? dirname(srcDir) : dirname(dirname(srcDir));
  const path = join(root, 'dist', 'src', relative);
  if (!existsSync(path)) {
    throw new Error(`compiled module ${path} is missing: run \`npm run build\` first`);
  }
  return path;
}
