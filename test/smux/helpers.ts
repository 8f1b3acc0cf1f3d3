import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { defaultSmuxConfig, type SmuxConfig, SmuxSession, type SmuxStream } from '../../src/smux/index.js';
import { type MemoryConnection, type MemoryLinkOptions, memoryConnectionPair } from './memory-connection.js';

export function smuxConfig(version: 1 | 2, overrides: Partial<SmuxConfig> = {}): SmuxConfig {
  return { ...defaultSmuxConfig(), version, ...overrides };
}

export interface SessionPair {
  client: SmuxSession;
  server: SmuxSession;
  clientConn: MemoryConnection;
  serverConn: MemoryConnection;
}

export function sessionPair(config: SmuxConfig, link: MemoryLinkOptions = {}): SessionPair {
  const [clientConn, serverConn] = memoryConnectionPair(link);
  return {
    client: SmuxSession.client(clientConn, config),
    server: SmuxSession.server(serverConn, config),
    clientConn,
    serverConn,
  };
}

export async function acceptStream(session: SmuxSession): Promise<SmuxStream> {
  const [stream] = await once(session, 'stream');
  return stream as SmuxStream;
}

/**
 * Read a stream to its end. Not with for-await: leaving that loop destroys a Duplex whose writable
 * side is still busy.
 */
export function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (part: Buffer) => parts.push(part));
    stream.once('end', () => resolve(Buffer.concat(parts)));
    stream.once('error', reject);
  });
}

/** Write `data` in pieces of `pieceSize`, honouring write() back-pressure, then end. */
export async function writeAll(stream: Writable, data: Buffer, pieceSize = 65536): Promise<void> {
  for (let at = 0; at < data.length; at += pieceSize) {
    if (!stream.write(data.subarray(at, at + pieceSize))) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export { randomBytes };

/** Event-loop turns after which `quiescent` gives up: far more than any test here needs to settle. */
const MAX_QUIESCENT_TURNS = 100_000;

/**
 * Resolve once the link of `conn` has stopped moving: a whole event-loop turn (timers aside, every
 * delivery, microtask and nextTick of the sessions runs within one) passed with nothing written or
 * delivered either way and no delivery pending. What the sessions hold then is final, so a test can
 * assert exact states ("stopped at the window") instead of waiting some milliseconds and hoping.
 */
export async function quiescent(conn: MemoryConnection): Promise<void> {
  const peer = conn.peer;
  for (let turn = 0; turn < MAX_QUIESCENT_TURNS; turn++) {
    const before = conn.progress + peer.progress;
    await new Promise((resolve) => setImmediate(resolve));
    if (conn.progress + peer.progress === before && conn.isIdle && peer.isIdle) return;
  }
  throw new Error(`the link kept moving for ${MAX_QUIESCENT_TURNS} event-loop turns`);
}
