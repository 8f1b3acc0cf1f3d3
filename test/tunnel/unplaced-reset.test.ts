/**
 * A connection the client accepted but has no session for yet (its dial under way, or failing) is reset
 * when the client closes, like a connection cut short on its stream (pipe.ts endSide): its application
 * must not read a clean end of an empty stream (docs/stream-reset-2026-12-08-reset39.md). The dial fails
 * every time here: the server's port 0, which dgram's connect refuses, has the client redial each second.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { test } from 'node:test';
import { TunnelClient } from '../../src/tunnel/client.js';
import { sessionOptions } from '../robustness/tunnel-pair.js';
import { WAIT_MS, within } from '../support/deadline.js';
import { connect, GRACEFUL_SMUX, reading } from './cut-tunnel.js';

test('a connection waiting for its session when the client closes reads ECONNRESET, not a clean end', async () => {
  let dialFailed: () => void = () => {};
  const failed = new Promise<void>((resolve) => {
    dialFailed = resolve;
  });
  const client = new TunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    conn: 1,
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: 0,
    quiet: true,
    noComp: false,
    smux: GRACEFUL_SMUX,
    session: { ...sessionOptions(), sockbuf: 1 << 20 },
    log: (line) => {
      if (line.startsWith('re-connecting')) dialFailed();
    },
  });
  try {
    const addr = (await client.start()) as net.AddressInfo;
    const app = await connect(addr.port);
    const read = reading(app);
    // the first dial is this connection's (the client dials a slot when a connection lands on it)
    await within('the dial fails', WAIT_MS, failed);
    client.close();
    assert.equal(await within('the application sees the end', WAIT_MS, read.outcome), 'ECONNRESET');
    assert.equal(read.bytes(), 0);
  } finally {
    client.close();
  }
});
