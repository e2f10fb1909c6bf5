// Wire protocol between the controller (`logbench run --agents ...`) and load agents
// (`logbench agent`): JSON over HTTP/1.1, one request per step, authenticated by a bearer token.
//
//   POST /session  SessionRequest  → SessionReply   connects the agent's own driver to the system
//   POST /phase    PhaseRequest    → PhaseReply     runs one share of a phase, returns its recording
//   POST /stop                     → {}             ends the running phase early (Ctrl-C)
//   POST /close    {session}       → {}             closes the driver
//   GET  /health                   → {ok, busy}
//
// Recordings travel as logbench records them (histograms base64 HdrHistogram, mergeable); acks
// for the correctness ledger as one base64 string of 16-byte records (producer u32 LE,
// sequence u32 LE, index f64 LE). Errors: non-200 status with {error}.

import { assert } from '../assert.js';
import { AckLog } from './ack-log.js';
import type { GeneratorSettings, PhaseSpec } from './phase-spec.js';
import type { PhaseRecording } from './recording-types.js';

export const AGENT_PROTOCOL_VERSION = 1;
/** Largest request body an agent reads (a request carries a phase spec, never bulk data). */
export const AGENT_REQUEST_BYTES_MAX = 1024 * 1024;
/** Largest reply the controller reads (recordings plus up to ~16 M acks). */
export const AGENT_REPLY_BYTES_MAX = 512 * 1024 * 1024;
const ACK_RECORD_BYTES = 16;

export interface SessionRequest {
  protocol: number;
  system: string;
  group: Record<string, unknown>;
  options: Record<string, unknown>;
  sizeBytes: number;
}

export interface SessionReply {
  session: string;
  system: string;
  durability: string;
  host: string;
}

export interface PhaseRequest {
  session: string;
  phase: PhaseSpec;
  phaseIndex: number;
  /** This agent's index: the worker part of its producer ids, so agents never share a producer. */
  workerIndex: number;
  settings: GeneratorSettings;
  recordAcks: boolean;
}

export interface PhaseReply {
  recording: PhaseRecording;
  /** Base64 ack records; null when acks were not recorded. */
  acks: string | null;
  acksTruncated: boolean;
  wallSeconds: number;
}

export function encodeAcks(log: AckLog): string {
  const bytes = Buffer.allocUnsafe(log.length * ACK_RECORD_BYTES);
  let offset = 0;
  log.forEach((producer, sequence, index) => {
    bytes.writeUInt32LE(producer, offset);
    bytes.writeUInt32LE(sequence, offset + 4);
    bytes.writeDoubleLE(index, offset + 8);
    offset += ACK_RECORD_BYTES;
  });
  return bytes.toString('base64');
}

/** Appends the encoded acks to `into`. */
export function decodeAcksInto(encoded: string, into: AckLog): void {
  const bytes = Buffer.from(encoded, 'base64');
  assert(bytes.length % ACK_RECORD_BYTES === 0, () => `agent ack records: ${bytes.length} bytes is not a multiple of ${ACK_RECORD_BYTES}`);
  for (let offset = 0; offset < bytes.length; offset += ACK_RECORD_BYTES) {
    into.append(bytes.readUInt32LE(offset), bytes.readUInt32LE(offset + 4), bytes.readDoubleLE(offset + 8));
  }
}

/** Checks the shape of a phase reply before it is merged (a reply is untrusted input). */
export function checkPhaseReply(value: unknown, agent: string): PhaseReply {
  const reply = value as Partial<PhaseReply> | null;
  const recording = reply?.recording as Partial<PhaseRecording> | undefined;
  const ok =
    reply !== null &&
    typeof reply === 'object' &&
    recording !== undefined &&
    typeof recording.measuredUs === 'number' &&
    typeof recording.corrected === 'string' &&
    typeof recording.serviceTime === 'string' &&
    typeof recording.scheduleLag === 'string' &&
    Array.isArray(recording.series) &&
    typeof recording.counters === 'object' &&
    (reply.acks === null || typeof reply.acks === 'string');
  if (!ok) throw new Error(`agent ${agent}: malformed phase reply (expected {recording, acks}); is it running the same logbench version?`);
  return reply as PhaseReply;
}
