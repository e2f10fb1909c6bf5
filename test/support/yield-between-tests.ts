// A file of synchronous tests (each spawning the CLI with spawnSync) never gave the event loop a
// turn between tests: the runner's awaits resolve as microtasks. Vitest's worker then read the
// main process's answers to its task updates only when the file ended, after its own 60 s RPC
// timeout had passed ("Timeout calling onTaskUpdate", an unhandled error that fails the run, once
// compare.test.ts took 81 s). One macrotask turn after each test lets the worker read them.
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
