// Process-wide cleanup of what groups started: on exit, SIGINT or SIGTERM every registered
// closer runs, so no worker, child process or temporary directory outlives a run or a test.

type Closer = () => void;

const closers = new Set<Closer>();
let installed = false;

function runAll(): void {
  for (const closer of [...closers]) {
    try {
      closer();
    } catch {
      // best effort on the way out
    }
  }
  closers.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      runAll();
      // Only exit on our own when nobody else handles the signal (e.g. a run that writes a
      // partial result first).
      if (process.listenerCount(signal) === 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Registers a synchronous closer; returns a function that unregisters it. */
export function onProcessExit(closer: Closer): () => void {
  install();
  closers.add(closer);
  return () => closers.delete(closer);
}
