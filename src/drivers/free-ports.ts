// Free TCP ports on loopback, found by binding port 0. All `count` sockets are held open at once,
// so the ports returned are distinct; they are released just before the caller's servers bind
// them (a small race with other programs that a retried start covers).

import * as net from 'node:net';
import { assert } from '../assert.js';

const PORTS_PER_CALL_MAX = 64;

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  assert(Number.isInteger(count) && count > 0 && count <= PORTS_PER_CALL_MAX, `freePorts: count ${count} outside 1..${PORTS_PER_CALL_MAX}`);
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((s) => {
      const address = s.address();
      assert(address !== null && typeof address === 'object', 'freePorts: server has no address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
