// The controller side of `logbench run --agents HOST:PORT,...`: each phase is split between the
// agents like between load workers (concurrency, rate, op count, outstanding slots; splitPhase),
// every agent runs its share against the system with its own driver, and the recordings come
// back and are merged exactly (HDR histograms added, counters summed, series second by second).
// Acks are collected for the correctness ledger, which reads the system back from here.
//
// Requirements: the system must be reachable from every agent (driver.endpoints, or null);
// a system this process would start (managed etcd, NATS, engine) is refused. The agents start a
// phase when its request arrives: they are sent concurrently, so their clocks' skew is the
// request's one-way latency (ms on a LAN), small against a phase of seconds.

import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { assert } from '../assert.js';
import { reachableFromAgents } from '../drivers/registry.js';
import { AGENT_PROTOCOL_VERSION, AGENT_REPLY_BYTES_MAX, checkPhaseReply, decodeAcksInto, type PhaseRequest, type SessionReply, type SessionRequest } from './agent-protocol.js';
import { mergeRecordings } from './merge.js';
import { phaseSecondsTotal, type PhaseSpec } from './phase-spec.js';
import { splitPhase } from './run-phase.js';
import type { LiveSnapshot, PhaseOutcome } from './run-scenario.js';
import { ScenarioRunnerBase } from './scenario-runner-base.js';
import { ScenarioError, type Scenario } from './scenario.js';

export const AGENTS_MAX = 64;
const CONTROL_TIMEOUT_MS = 30_000;
/** Beyond the phase's own length, how long an agent may take to drain and answer. */
const PHASE_REPLY_SLACK_MS = 60_000;

export interface AgentAddress {
  host: string;
  port: number;
  label: string;
}

export function parseAgents(text: string): AgentAddress[] {
  const agents = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(item);
      if (match === null || Number(match[2]) < 1 || Number(match[2]) > 65535) throw new ScenarioError(`--agents: expected HOST:PORT[,HOST:PORT...], got "${item}"`);
      return { host: match[1]!, port: Number(match[2]), label: item };
    });
  if (agents.length === 0 || agents.length > AGENTS_MAX) throw new ScenarioError(`--agents: expected 1..${AGENTS_MAX} agents, got ${agents.length}`);
  return agents;
}

/** Gives etcd/NATS runs one run id for every agent, so all agents write (and the ledger reads) one key range / stream. */
export function shareRunId(scenario: Scenario): void {
  if ((scenario.system === 'etcd' || scenario.system === 'nats') && scenario.driver['runId'] === undefined) {
    scenario.driver['runId'] = `run-${randomBytes(4).toString('hex')}`;
  }
}

export class AgentRunner extends ScenarioRunnerBase {
  private readonly sessions = new Map<AgentAddress, string>();
  private stopSent = false;
  private currentPhase: { name: string; index: number; startMs: number; totalSeconds: number | undefined } | undefined;

  constructor(
    private readonly scenario: Scenario,
    private readonly agents: readonly AgentAddress[],
    private readonly token: string,
    private readonly shouldStop: () => boolean,
    private readonly log: (line: string) => void,
  ) {
    if (!reachableFromAgents(scenario.system, scenario.driver)) {
      throw new ScenarioError(
        `--agents: system ${scenario.system} would be started by this process, which agents on other hosts cannot reach; ` +
          `expected a running system given by --endpoints (engine: ID=HOST:PORT client ports of \`logbench node\`; etcd/nats: client URLs; http: the gateway URL)`,
      );
    }
    if (scenario.generator.workers !== 0) throw new ScenarioError('generator.workers: with --agents each agent generates on its own main thread; expected 0 (add agents to add load threads)');
    shareRunId(scenario);
    super({ scenario, shouldStop });
  }

  async connect(): Promise<void> {
    await this.inner.connect();
    const body: SessionRequest = { protocol: AGENT_PROTOCOL_VERSION, system: this.scenario.system, group: this.scenario.group, options: this.scenario.driver, sizeBytes: this.scenario.payload.sizeBytes };
    await Promise.all(
      this.agents.map(async (agent) => {
        const reply = (await this.call(agent, '/session', body, CONTROL_TIMEOUT_MS)) as SessionReply;
        this.sessions.set(agent, reply.session);
        this.log(`agent ${agent.label} (${reply.host}): connected to ${reply.system}`);
      }),
    );
  }

  async runPhase(spec: PhaseSpec & { rateRule?: PhaseOutcome['rateRule'] }, index: number): Promise<PhaseOutcome> {
    const { rateRule, ...phase } = spec;
    const settings = this.scenario.generator;
    const n = this.agents.length;
    if (phase.type === 'closed') assert(phase.concurrency >= n, () => `phase ${phase.name}: concurrency ${phase.concurrency} is less than the ${n} agents`);
    const startedAt = new Date().toISOString();
    const wallStart = performance.now();
    const totalSeconds = phase.seconds !== undefined ? phase.warmupSeconds + phase.seconds : undefined;
    this.currentPhase = { name: phase.name, index, startMs: performance.now(), totalSeconds };
    const timeoutMs = phaseSecondsTotal(phase, settings) * 1000 + settings.drainSeconds * 1000 + PHASE_REPLY_SLACK_MS;
    const stopWatch = setInterval(() => {
      if (this.shouldStop() && !this.stopSent) {
        this.stopSent = true;
        for (const agent of this.agents) void this.call(agent, '/stop', {}, CONTROL_TIMEOUT_MS).catch(() => undefined);
      }
    }, 100);
    try {
      const replies = await Promise.all(
        this.agents.map(async (agent, i) => {
          const share = splitPhase(phase, settings, n, i);
          const body: PhaseRequest = { session: this.sessions.get(agent)!, phase: share.phase, phaseIndex: index, workerIndex: i, settings: share.settings, recordAcks: this.ackLog !== undefined };
          return checkPhaseReply(await this.call(agent, '/phase', body, timeoutMs), agent.label);
        }),
      );
      for (const reply of replies) if (reply.acks !== null && this.ackLog !== undefined) decodeAcksInto(reply.acks, this.ackLog);
      const outcome: PhaseOutcome = {
        index,
        spec: phase,
        workers: n,
        startedAt,
        wallSeconds: (performance.now() - wallStart) / 1000,
        recording: mergeRecordings(replies.map((r) => r.recording)),
        interrupted: this.shouldStop(),
      };
      if (rateRule !== undefined) outcome.rateRule = rateRule;
      this.inner.outcomes.push(outcome);
      return outcome;
    } finally {
      clearInterval(stopWatch);
      this.currentPhase = undefined;
    }
  }

  /** Agents report only at the end of a phase: the live line shows the phase's progress in time. */
  live(): LiveSnapshot | undefined {
    const p = this.currentPhase;
    if (p === undefined) return undefined;
    return { phaseName: p.name, phaseIndex: p.index, phaseElapsedSeconds: (performance.now() - p.startMs) / 1000, phaseTotalSeconds: p.totalSeconds, completed: 0, failed: 0, lastSecondOps: 0, lastSecondP99Us: 0 };
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.sessions].map(([agent, session]) => this.call(agent, '/close', { session }, CONTROL_TIMEOUT_MS).catch((error: unknown) => this.log(`agent ${agent.label}: close failed: ${String(error)}`))),
    );
    this.sessions.clear();
    await this.inner.close();
  }

  private call(agent: AgentAddress, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const text = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: agent.host,
          port: agent.port,
          method: 'POST',
          path,
          timeout: timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(this.token !== '' ? { authorization: `Bearer ${this.token}` } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > AGENT_REPLY_BYTES_MAX) {
              res.destroy(new Error(`agent ${agent.label}: reply over ${AGENT_REPLY_BYTES_MAX} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              reject(new Error(`agent ${agent.label} ${path}: HTTP ${res.statusCode}, reply is not JSON`));
              return;
            }
            if (res.statusCode === 200) resolve(parsed);
            else reject(new Error(`agent ${agent.label} ${path}: HTTP ${res.statusCode}: ${(parsed as { error?: string }).error ?? 'no reason given'}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`agent ${agent.label} ${path}: no reply within ${timeoutMs} ms`)));
      req.on('error', (error) => reject(new Error(`agent ${agent.label} ${path}: ${error.message}`)));
      req.end(text);
    });
  }
}
