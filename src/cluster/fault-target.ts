// What the nemesis acts on: one narrow interface over the engine's GroupHandle (every fault,
// plus role-change events with wall-clock times) and over a driver's ClusterControl (etcd, NATS:
// kill / restart / pause / resume only, no events — leader changes are found by polling).
// Member ids are strings; `label` is how a member is named in markers and in the ledger's
// read-back (the engine's replicas are "replica-N").

import type { ClusterControl, Driver } from '../drivers/types.js';
import type { GroupEvent, GroupHandle } from './group.js';

export interface LeaderEvent {
  /** Wall-clock ms (performance.timeOrigin + performance.now()), the clock of fault markers. */
  atMs: number;
  member: string;
  role: string;
  term: number | null;
}

export interface FaultTarget {
  readonly system: string;
  /** True when partitions, splits and leadership transfer are available. */
  readonly network: boolean;
  /** True when the target reports role changes itself (else the nemesis polls for the leader). */
  readonly reportsEvents: boolean;
  members(): Promise<string[]>;
  alive(member: string): Promise<boolean>;
  leader(timeoutMs: number): Promise<string | undefined>;
  label(member: string): string;
  kill(member: string): Promise<void>;
  restart(member: string): Promise<void>;
  /** Pauses the member; `ms` is a hint for targets that can only pause for a set time (threads). */
  pause(member: string, ms: number): Promise<void>;
  resume(member: string): Promise<void>;
  isolate(member: string): void;
  split(a: readonly string[], b: readonly string[]): void;
  heal(): void;
  transfer(from: string, to: string): void;
  /** Every fdatasync of the member completes delayMs later (0 ends it). */
  slowDisk(member: string, delayMs: number): void;
  /** Role changes seen so far (empty when the target does not report them). */
  leaderEvents(): LeaderEvent[];
}

/** Current wall-clock ms on the clock replica events use (one definition, in the replicas' messages). */
export { wallMs } from '../node/worker-messages.js';

export function groupTarget(group: GroupHandle): FaultTarget {
  const id = (member: string): number => Number(member);
  return {
    system: 'engine',
    network: true,
    reportsEvents: true,
    members: async () => group.ids.map(String),
    alive: async (member) => group.alive(id(member)),
    leader: async (timeoutMs) => {
      const leader = await group.leader(timeoutMs);
      return leader === undefined ? undefined : String(leader);
    },
    label: (member) => `replica-${member}`,
    kill: (member) => group.kill(id(member)),
    restart: (member) => group.restart(id(member)),
    pause: (member, ms) => group.pause(id(member), ms),
    resume: (member) => group.resume(id(member)),
    isolate: (member) => group.isolate(id(member)),
    split: (a, b) => group.split(a.map(id), b.map(id)),
    heal: () => group.heal(),
    transfer: (from, to) => group.transferLeadership(id(from), id(to)),
    slowDisk: (member, delayMs) => group.slowDisk(id(member), delayMs),
    leaderEvents: () => group.events.map(toLeaderEvent),
  };
}

function toLeaderEvent(event: GroupEvent): LeaderEvent {
  return { atMs: event.atMs, member: String(event.id), role: event.event.role, term: event.event.term };
}

export function controlTarget(system: string, control: ClusterControl): FaultTarget {
  const unsupported = (what: string): never => {
    throw new Error(`system ${system}: ${what} needs the engine's network fault layer`);
  };
  return {
    system,
    network: false,
    reportsEvents: false,
    members: async () => (await control.members()).map((m) => m.id),
    alive: async (member) => (await control.members()).find((m) => m.id === member)?.alive === true,
    leader: (timeoutMs) => control.findLeader(timeoutMs),
    label: (member) => member,
    kill: (member) => control.kill(member),
    restart: (member) => control.restart(member),
    pause: (member) => control.pause(member),
    resume: (member) => control.resume(member),
    isolate: () => unsupported('isolate'),
    split: () => unsupported('split'),
    heal: () => unsupported('heal'),
    transfer: () => unsupported('transfer-leader'),
    slowDisk: () => unsupported('slow-disk'),
    leaderEvents: () => [],
  };
}

/** The fault target of a connected driver, or a reason why faults cannot be injected into it. */
export function faultTargetOf(driver: Driver): FaultTarget | string {
  const withHandle = driver as Driver & { handle?: GroupHandle };
  if (driver.system === 'engine' && withHandle.handle !== undefined) return groupTarget(withHandle.handle);
  if (driver.control !== undefined) return controlTarget(driver.system, driver.control);
  return `system ${driver.system} has no cluster control (kill / pause / restart)`;
}
