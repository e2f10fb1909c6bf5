#!/usr/bin/env -S node --single-threaded-gc
// The flag: see src/cli/node-flags.ts.
import '../dist/src/cli/main.js';
