import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TunnelSessionMetrics } from '../../src/metrics/status.js';
import { defaultSmuxConfig } from '../../src/smux/index.js';
import type { AutoTuning } from '../../src/transport/auto-kcp.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import { until } from '../support/deadline.js';
import { options } from '../transport/session-cases.js';

const session = (auto: AutoTuning | null): SessionOptions => ({ ...options(true), auto });

const AUTO: AutoTuning = { congestion: true, windows: true, fec: true };

async function startPair(auto: AutoTuning | null) {
  const log = (): void => {};
  const smux = defaultSmuxConfig();
  const server = new TunnelServer({
    listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    // no stream is opened: the target is never dialled
    target: { host: '127.0.0.1', port: 9 },
    closeWaitSeconds: 0,
    quiet: true,
    noComp: true,
    smux,
    session: { ...session(auto), sockbuf: 1 << 20, maxSessions: 16 },
    log,
  });
  const [udpPort] = await server.start();
  const client = new TunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: udpPort, maxPort: udpPort },
    conn: 2,
    placement: 'least-loaded',
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: 0,
    quiet: true,
    noComp: true,
    smux,
    session: { ...session(auto), sockbuf: 1 << 20 },
    log,
  });
  await client.start();
  return { server, client };
}

/** Every session has an RTT sample: KCP's srtt is 0 until the first ACK of a data segment. */
const measured = (sessions: TunnelSessionMetrics[]): boolean =>
  sessions.length === 2 && sessions.every((s) => s.session.srtt > 0);

describe('-mode auto primes each session with a round trip (rtt-prime.ts)', () => {
  test('the client dials every session at start, and both ends measure an RTT before any stream', {
    timeout: 30_000,
  }, async () => {
    const { server, client } = await startPair(AUTO);
    try {
      await until(() => measured(client.sessionMetrics()));
      await until(() => measured(server.sessionMetrics()));
      for (const s of [...client.sessionMetrics(), ...server.sessionMetrics()]) assert.equal(s.streams, 0);
    } finally {
      client.close();
      server.close();
    }
  });
});
