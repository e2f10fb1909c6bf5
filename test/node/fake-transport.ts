// A Transport twin for replica tests: records what the replica sends and lets the test deliver
// messages through the handler the replica registered.

import type { Message } from '../../src/raft/types.js';
import type { MessageHandler, Transport } from '../../src/transport/transport.js';
import { emptyStats } from '../../src/transport/transport.js';
import { asNodeId } from '../../src/types.js';

export class FakeTransport implements Transport {
  readonly self = asNodeId(1);
  readonly sent: Message[] = [];
  handler: MessageHandler = () => {};
  send(_to: ReturnType<typeof asNodeId>, msg: Message): boolean {
    this.sent.push(msg);
    return true;
  }
  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }
  flush(): void {}
  whenWritable(): Promise<void> {
    return Promise.resolve();
  }
  stats() {
    return emptyStats();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
