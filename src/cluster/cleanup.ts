// Process-wide cleanup of what groups started: on exit, SIGINT, SIGTERM or SIGHUP every registered
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
  // SIGHUP too: a closed terminal would otherwise end this process without 'exit', leaving the
  // peer servers (in their own process group) running.
  const exitCodes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      runAll();
      process.exit(exitCodes[signal]);
    });
  }
}

/** Registers a synchronous closer; returns a function that unregisters it. */
export function onProcessExit(closer: Closer): () => void {
  install();
  closers.add(closer);
  return () => closers.delete(closer);
}
