// Entry point of a replica's worker thread (threads mode). Raft traffic and client requests come
// over shared-memory rings; parentPort carries control only (status, block, stop) and events.

import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '../assert.js';
import { RingTransport } from '../transport/ring-transport.js';
import { handleControl } from './control.js';
import { hostReplica } from './replica-host.js';
import { RingClientPort } from './ring-client-port.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-messages.js';
import { wallMs } from './worker-messages.js';

const port = parentPort;
assert(port !== null, 'worker-main.js must run in a worker thread');
const init = workerData as WorkerInit;
const id = init.spec.id;
const post = (message: FromWorker): void => port.postMessage(message);

const hosted = await hostReplica(
  init.spec,
  new RingTransport(init.mesh),
  new RingClientPort(init.clientRings),
  (event) => post({ type: 'event', id, atMs: wallMs(), event }),
  (error) => {
    post({ type: 'fatal', id, message: error.stack ?? error.message });
  },
  (line) => process.stderr.write(line + '\n'),
).catch((error: unknown) => {
  post({ type: 'fatal', id, message: error instanceof Error ? error.message : String(error) });
  return undefined;
});

if (hosted !== undefined) {
  post({ type: 'started', id });
  port.on('message', (message: ToWorker) => handleControl(id, hosted, message, post, () => port.close()));
}
