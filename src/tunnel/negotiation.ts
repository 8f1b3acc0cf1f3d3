/**
 * How a client with -udp learns that its server forwards UDP, without a byte reaching a server that
 * does not (docs/udp-forwarding.md):
 *
 * 1. The client sends one smux NOP whose stream id is UDP_REQUEST_SID. Every smux (Go's and ours)
 *    ignores a NOP's stream id, so Go kcptun, and ours without -udp, drop it like a keepalive: nothing
 *    is opened, nothing reaches their target.
 * 2. A server with -udp answers by opening a stream of its own (even id: the server's side of the id
 *    space, which kcptun's client never sees otherwise) and writing UDP_HELLO on it. That stream is the
 *    session's UDP channel. The direction keeps the two kinds apart: streams the client opens are TCP
 *    connections exactly as before, the one stream the server opens carries datagrams.
 * 3. No hello within UDP_HELLO_TIMEOUT_MS of the request means the server does not forward UDP.
 */
import type { Duplex } from 'node:stream';
import type { SmuxSession, SmuxStream } from '../smux/index.js';

/** "UDP1" in ASCII: a value Go kcptun never puts in a NOP (its NOPs carry 0). */
export const UDP_REQUEST_SID = 0x55445031;
/** The first bytes of the channel: fixed, readable in a capture, with the channel's version. */
export const UDP_HELLO = Buffer.from('kcptun-ts udp 1\n', 'latin1');
/**
 * How long the client waits for the hello. The request and the answer ride KCP, which retransmits: 5 s
 * covers several lost round trips on a bad link, and datagrams wait (bounded) meanwhile.
 */
export const UDP_HELLO_TIMEOUT_MS = 5000;

export type UdpNegotiation =
  | { readonly kind: 'channel'; readonly stream: Duplex; readonly leftover: Buffer }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'closed' };

/**
 * Client side: send the request on `mux` and wait for the server's channel. Resolves 'refused' when
 * no hello came in time or something else came instead, 'closed' when the session died first (which
 * says nothing about the server). Streams the server opens later are refused.
 */
export function requestUdpChannel(
  mux: SmuxSession,
  wrap: (stream: SmuxStream) => Duplex,
  timeoutMs = UDP_HELLO_TIMEOUT_MS,
): Promise<UdpNegotiation> {
  return new Promise((resolve) => {
    let settled = false;
    let channel: SmuxStream | null = null;
    let received = Buffer.alloc(0);
    const settle = (result: UdpNegotiation): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      mux.removeListener('close', onClose);
      resolve(result);
    };
    const timer = setTimeout(() => {
      channel?.destroy();
      settle({ kind: 'refused', reason: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    const onClose = (): void => settle({ kind: 'closed' });
    mux.on('close', onClose);
    mux.on('stream', (stream) => {
      if (channel !== null || settled) {
        stream.destroy();
        return;
      }
      channel = stream;
      const app = wrap(stream);
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        const n = Math.min(received.length, UDP_HELLO.length);
        if (!received.subarray(0, n).equals(UDP_HELLO.subarray(0, n))) {
          app.destroy();
          settle({ kind: 'refused', reason: 'the server opened a stream that is not a UDP channel' });
          return;
        }
        if (received.length < UDP_HELLO.length) return;
        app.removeListener('data', onData);
        app.pause();
        settle({ kind: 'channel', stream: app, leftover: received.subarray(UDP_HELLO.length) });
      };
      app.on('data', onData);
      app.on('error', () => {});
    });
    mux.sendNop(UDP_REQUEST_SID);
  });
}

/**
 * Server side: answer a client's request by opening the channel and writing the hello. Returns the
 * channel stream as the application sees it, or null when the session can open no stream.
 */
export function offerUdpChannel(mux: SmuxSession, wrap: (stream: SmuxStream) => Duplex): Duplex | null {
  let stream: SmuxStream;
  try {
    stream = mux.openStream();
  } catch {
    return null;
  }
  const app = wrap(stream);
  app.write(UDP_HELLO);
  return app;
}
