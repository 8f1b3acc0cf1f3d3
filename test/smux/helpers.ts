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

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until `check` holds (the event loop stays referenced meanwhile), or fail after timeoutMs. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** Wait until nothing moves on the link for a few turns. */
export async function settle(ms = 30): Promise<void> {
  await delay(ms);
}
