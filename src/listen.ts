// Starting an HTTP server on a host and port and learning the bound address (port 0 picks one).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
