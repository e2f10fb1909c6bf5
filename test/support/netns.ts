// Test hosts in network namespaces: one hub namespace holding a bridge, and one namespace per host
// joined to it by a veth pair, with an address in a 10.x /24 that exists only inside them.
// create() returns undefined, or the reason namespaces cannot be made here (the caller skips).

import { execFileSync } from 'node:child_process';

export interface NetnsHost {
  name: string;
  ns: string;
  address: string;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

export class TestNetwork {
  readonly hosts: NetnsHost[];
  private readonly hub: string;

  /** `tag` keeps names unique per test file; `subnet` is the first three octets, e.g. "10.231.7". */
  constructor(
    private readonly tag: string,
    subnet: string,
    names: readonly string[],
  ) {
    const suffix = String(process.pid % 10000);
    this.hub = `${tag}h${suffix}`;
    this.hosts = names.map((name, i) => ({ name, ns: `${tag}${name}x${suffix}`, address: `${subnet}.${i + 1}` }));
  }

  host(name: string): NetnsHost {
    const found = this.hosts.find((h) => h.name === name);
    if (found === undefined) throw new Error(`no test host ${name}`);
    return found;
  }

  create(): string | undefined {
    try {
      ip('netns', 'add', this.hub);
    } catch (error) {
      return `cannot create network namespaces (ip netns add failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
    }
    ip('-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.hub, 'link', 'set', 'br0', 'up');
    this.hosts.forEach((h, i) => {
      const outer = `${this.tag}v${i}x${process.pid % 10000}`;
      const inner = `${this.tag}p${i}x${process.pid % 10000}`;
      ip('netns', 'add', h.ns);
      ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
      ip('link', 'set', outer, 'netns', h.ns);
      ip('link', 'set', inner, 'netns', this.hub);
      ip('-n', h.ns, 'link', 'set', outer, 'name', 'eth0');
      ip('-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0');
      ip('-n', h.ns, 'link', 'set', 'eth0', 'up');
      ip('-n', h.ns, 'link', 'set', 'lo', 'up');
      ip('-n', this.hub, 'link', 'set', inner, 'master', 'br0');
      ip('-n', this.hub, 'link', 'set', inner, 'up');
    });
    return undefined;
  }

  destroy(): void {
    for (const ns of [this.hub, ...this.hosts.map((h) => h.ns)]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // not created
      }
    }
  }
}
