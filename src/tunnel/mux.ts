import type { Duplex } from 'node:stream';
import { SnappyConnection } from '../compress/index.js';
import type { QppPads } from '../crypt/qpp/index.js';
import { type SmuxConfig, SmuxSession } from '../smux/index.js';
import type { ByteConnection } from '../transport/conn.js';
import type { KcpSession } from '../transport/session.js';
import { wrapQpp } from './qpp-stream.js';

/** What both ends stack on a KCP session: optional snappy framing, then smux. */
export interface MuxOptions {
  noComp: boolean;
  smux: SmuxConfig;
  /** -QPP: the pad set and the raw -key bytes that seed each stream's keystreams. */
  qpp?: { pads: QppPads; seed: Uint8Array };
}

/** What runs at the next application stream (atFirstApplicationStream), then never again. */
let firstStreamCallback: (() => void) | null = null;

/**
 * Run `callback` once, at the next application stream this thread opens or accepts (either end, a TCP
 * connection's or a -udp channel's): the programs turn V8's optimizing compiler on there, not while the
 * tunnel only idles (src/cli/heap-tuning.ts).
 */
export function atFirstApplicationStream(callback: () => void): void {
  firstStreamCallback = callback;
}

/** The stream as the application side sees it: QPP-wrapped when -QPP is on (latest kcptun). */
export function applicationStream(stream: Duplex, options: MuxOptions): Duplex {
  if (firstStreamCallback !== null) {
    const callback = firstStreamCallback;
    firstStreamCallback = null;
    callback();
  }
  return options.qpp ? wrapQpp(stream, options.qpp.pads, options.qpp.seed) : stream;
}

/** Which end of the tunnel a mux is: the client opens the streams, the server accepts them. */
export type MuxRole = 'client' | 'server';

export function createMux(session: KcpSession, role: MuxRole, options: MuxOptions): SmuxSession {
  const conn: ByteConnection = options.noComp ? session : new SnappyConnection(session);
  return role === 'client' ? SmuxSession.client(conn, options.smux) : SmuxSession.server(conn, options.smux);
}
