// Process-wide cleanup of what groups started: on exit, SIGINT or SIGTERM every registered
// closer runs, so no worker, child process or temporary directory outlives a run or a test.
// A signal that someone else handles too (a run that stops its load, reads the replicas back and
// writes a partial result) is theirs: the closers then wait for the exit, so the replicas and
// their directories are still there for that read-back (a second Ctrl-C exits at once, and the
// exit runs them).

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
      if (process.listenerCount(signal) > 1) return;
      runAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Registers a synchronous closer; returns a function that unregisters it. */
export function onProcessExit(closer: Closer): () => void {
  install();
  closers.add(closer);
  return () => closers.delete(closer);
}
