// The first frame on every replica-to-replica TCP connection. The dialing side sends a hello
// carrying its node id, the id it expects to reach, and the group's auth token; the listening side
// answers with a welcome (its id) or closes the connection. Only after the welcome does the dialer
// send messages, so nothing is written into a connection that will be refused.
//
//   hello:   magic "LBHS" u32 | version u16 | tokenLength u16 | from u32 | to u32 | token bytes
//   welcome: magic "LBOK" u32 | version u16 | reserved u16 (0) | id u32
//   refusal: magic "LBNO" u32 | version u16 | reasonLength u16 | reason (UTF-8, at most 200 bytes)
// A client connection that is refused gets the refusal before the close, so the client can say
// why at once ("wrong token") instead of waiting out its connect timeout. Peers get no refusal.
//
// Tokens are compared in constant time (sha-256 digests of both, then crypto.timingSafeEqual, so
// lengths leak nothing either).

import { createHash, timingSafeEqual } from 'node:crypto';

export const HELLO_MAGIC = 0x4c424853;
export const WELCOME_MAGIC = 0x4c424f4b;
export const HANDSHAKE_VERSION = 1;
export const TOKEN_BYTES_MAX = 1024;
export const HELLO_BYTES_MIN = 16;
export const WELCOME_BYTES = 12;
export const REFUSAL_MAGIC = 0x4c424e4f;
export const REFUSAL_REASON_BYTES_MAX = 200;
export const REFUSAL_BYTES_MAX = 8 + REFUSAL_REASON_BYTES_MAX;

export interface Hello {
  from: number;
  to: number;
  token: Buffer;
}

export function encodeHello(from: number, to: number, token: string): Buffer {
  const tokenBytes = Buffer.from(token, 'utf8');
  if (tokenBytes.length > TOKEN_BYTES_MAX) throw new RangeError(`auth token of ${tokenBytes.length} bytes exceeds ${TOKEN_BYTES_MAX}`);
  const out = Buffer.alloc(HELLO_BYTES_MIN + tokenBytes.length);
  out.writeUInt32LE(HELLO_MAGIC, 0);
  out.writeUInt16LE(HANDSHAKE_VERSION, 4);
  out.writeUInt16LE(tokenBytes.length, 6);
  out.writeUInt32LE(from, 8);
  out.writeUInt32LE(to, 12);
  tokenBytes.copy(out, HELLO_BYTES_MIN);
  return out;
}

/** Returns the hello, or a reason it is not one. */
export function decodeHello(frame: Buffer): Hello | string {
  if (frame.length < HELLO_BYTES_MIN) return `hello of ${frame.length} bytes is shorter than ${HELLO_BYTES_MIN}`;
  if (frame.readUInt32LE(0) !== HELLO_MAGIC) return 'not a logbench hello (bad magic)';
  const version = frame.readUInt16LE(4);
  if (version !== HANDSHAKE_VERSION) return `handshake version ${version}, expected ${HANDSHAKE_VERSION}`;
  const tokenLength = frame.readUInt16LE(6);
  if (HELLO_BYTES_MIN + tokenLength !== frame.length) return `hello token length ${tokenLength} does not match the frame of ${frame.length} bytes`;
  return { from: frame.readUInt32LE(8), to: frame.readUInt32LE(12), token: frame.subarray(HELLO_BYTES_MIN) };
}

export function encodeWelcome(id: number): Buffer {
  const out = Buffer.alloc(WELCOME_BYTES);
  out.writeUInt32LE(WELCOME_MAGIC, 0);
  out.writeUInt16LE(HANDSHAKE_VERSION, 4);
  out.writeUInt32LE(id, 8);
  return out;
}

/** The id in a welcome, or a reason it is not one. */
export function decodeWelcome(frame: Buffer): number | string {
  if (frame.length !== WELCOME_BYTES || frame.readUInt32LE(0) !== WELCOME_MAGIC) return 'not a logbench welcome';
  const version = frame.readUInt16LE(4);
  if (version !== HANDSHAKE_VERSION) return `handshake version ${version}, expected ${HANDSHAKE_VERSION}`;
  return frame.readUInt32LE(8);
}

export function tokenDigest(token: string | Buffer): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Constant-time comparison of a received token with the expected token's digest. */
export function tokenMatches(received: Buffer, expectedDigest: Buffer): boolean {
  return timingSafeEqual(tokenDigest(received), expectedDigest);
}

export function encodeRefusal(reason: string): Buffer {
  let text = Buffer.from(reason, 'utf8');
  if (text.length > REFUSAL_REASON_BYTES_MAX) text = text.subarray(0, REFUSAL_REASON_BYTES_MAX);
  const out = Buffer.alloc(8 + text.length);
  out.writeUInt32LE(REFUSAL_MAGIC, 0);
  out.writeUInt16LE(HANDSHAKE_VERSION, 4);
  out.writeUInt16LE(text.length, 6);
  text.copy(out, 8);
  return out;
}

/** The reason in a refusal; undefined when the frame is not one. */
export function decodeRefusal(frame: Buffer): string | undefined {
  if (frame.length < 8 || frame.readUInt32LE(0) !== REFUSAL_MAGIC) return undefined;
  const length = frame.readUInt16LE(6);
  if (8 + length !== frame.length) return undefined;
  return frame.subarray(8).toString('utf8');
}
