#!/usr/bin/env node
// Builds dist/ with tsc only when a source file is newer than the last build, so
// `npm run logbench` and `npm test` work on a fresh clone without a separate build step.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newestMtimeMs(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sourceMtimeMs = Math.max(
  newestMtimeMs(join(root, 'src')),
  newestMtimeMs(join(root, 'bench', 'micro')),
  statSync(join(root, 'tsconfig.json')).mtimeMs,
);
const builtMtimeMs = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (sourceMtimeMs > builtMtimeMs) {
  process.stderr.write('logbench: building dist/ (tsc)\n');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  } catch {
    process.stderr.write('logbench: build failed (see tsc output above)\n');
    process.exit(1);
  }
  writeFileSync(stamp, new Date().toISOString() + '\n');
}
