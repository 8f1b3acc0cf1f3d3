/**
 * What the client's close() does with what is still on its way. A connection it accepted but has no
 * session for yet (its dial under way, or failing) is reset, like a connection cut short on its stream
 * (pipe.ts endSide): its application must not read a clean end of an empty stream
 * (docs/stream-reset-2026-12-08-reset39.md). A session whose dial was under way is closed once the dial
 * completes, not left running past the client.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type net from 'node:net';
import { test } from 'node:test';
import type { HostPorts } from '../../src/tunnel/address.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { sessionOptions } from '../robustness/tunnel-pair.js';
import { until, WAIT_MS, within } from '../support/deadline.js';
import { connect, GRACEFUL_SMUX, reading } from './cut-tunnel.js';

/** A client of `remote` that calls `onLine` with each log line. */
function clientOf(remote: HostPorts, onLine: (line: string) => void, auto = false): TunnelClient {
  return new TunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    remote,
    conn: 1,
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: 0,
    quiet: true,
    noComp: false,
    smux: GRACEFUL_SMUX,
    session: {
      ...sessionOptions(),
      sockbuf: 1 << 20,
      auto: auto ? { congestion: true, windows: true, fec: true } : null,
    },
    log: onLine,
  });
}

/** Resolves at the first log line that starts with `prefix`. */
function lineStarting(prefix: string): { onLine: (line: string) => void; seen: Promise<void> } {
  let resolve: () => void = () => {};
  const seen = new Promise<void>((r) => {
    resolve = r;
  });
  return { onLine: (line) => line.startsWith(prefix) && resolve(), seen };
}

test('a connection waiting for its session when the client closes reads ECONNRESET, not a clean end', async () => {
  // the server's port 0, which dgram's connect refuses: the dial fails, and the client redials each second
  const failed = lineStarting('re-connecting');
  const client = clientOf({ host: '127.0.0.1', minPort: 0, maxPort: 0 }, failed.onLine);
  try {
    const addr = (await client.start()) as net.AddressInfo;
    const app = await connect(addr.port);
    const read = reading(app);
    // the first dial is this connection's (the client dials a slot when a connection lands on it)
    await within('the dial fails', WAIT_MS, failed.seen);
    client.close();
    assert.equal(await within('the application sees the end', WAIT_MS, read.outcome), 'ECONNRESET');
    assert.equal(read.bytes(), 0);
  } finally {
    client.close();
  }
});

test('a session dialled while the client closed is closed once the dial completes', async () => {
  // a server that never answers; 'localhost' has the dial wait for the resolver, past close()
  const server = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const dialled = lineStarting('smux version');
  // -mode auto's client dials its sessions as it starts, before any connection (rtt-prime.ts)
  const client = clientOf({ host: 'localhost', minPort: port, maxPort: port }, dialled.onLine, true);
  try {
    await client.start();
    client.close();
    await within('the dial completes', WAIT_MS, dialled.seen);
    await until(() => client.sessionMetrics().length === 0, { what: 'no session left open' });
  } finally {
    client.close();
    server.close();
  }
});
