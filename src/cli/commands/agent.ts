// `logbench agent --listen HOST:PORT --token T`: a load worker for a controller on another host
// (`logbench run --agents ...`). It runs until SIGINT/SIGTERM. A token is required unless the
// agent listens on loopback; requests with a wrong token are refused and logged.

import { stringFlag, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { AgentServer } from '../../load/agent-server.js';
import { isLoopbackHost, parseHostPort } from './serve.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run a load agent that a controller (`logbench run --agents`) drives',
  usage: '--listen HOST:PORT [--token T]',
  flags: {
    listen: { type: 'string', valueName: 'HOST:PORT', description: 'address the controller connects to' },
    token: { type: 'string', valueName: 'T', description: 'shared secret; required unless listening on loopback (or set LOGBENCH_TOKEN)' },
  },
  examples: ['logbench agent --listen 10.0.0.11:7400 --token s3cret', 'logbench agent --listen 127.0.0.1:7400'],
  async run(ctx) {
    const listenText = stringFlag(ctx.values, 'listen');
    if (listenText === undefined) throw new UsageError('logbench agent: flag --listen HOST:PORT is required');
    const listen = parseHostPort(listenText, '--listen');
    const token = stringFlag(ctx.values, 'token') ?? process.env['LOGBENCH_TOKEN'] ?? '';
    if (token === '' && !isLoopbackHost(listen.host)) throw new UsageError(`logbench agent: listening on ${listen.host} (not loopback) requires --token T (or LOGBENCH_TOKEN)`);
    // A remote engine group reached by this agent authenticates with the same token unless LOGBENCH_TOKEN says otherwise.
    if (token !== '' && process.env['LOGBENCH_TOKEN'] === undefined) process.env['LOGBENCH_TOKEN'] = token;
    const server = new AgentServer({ host: listen.host, port: listen.port, token, log: (line) => ctx.log(line) });
    const address = await server.listen();
    ctx.log(`logbench agent: listening on ${address.address}:${address.port}${token === '' ? ' (no token: loopback only)' : ''}`);
    ctx.emitJson({ listen: `${address.address}:${address.port}`, pid: process.pid });
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    ctx.log('logbench agent: stopping');
    await server.close();
    return 0;
  },
};
