import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { defaultSmuxConfig } from '../../src/smux/index.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { UDP_REFUSED_LINE } from '../../src/tunnel/udp-client-flows.js';
import { MAX_DATAGRAM_SIZE } from '../../src/tunnel/udp-frame.js';
import { UdpStats } from '../../src/tunnel/udp-stats.js';
import { sessionOptions } from '../robustness/tunnel-pair.js';
import { until } from '../support/deadline.js';
import { clientExchange } from '../support/transfer.js';
import { EchoTarget, UdpProbe } from '../support/udp-echo.js';
import { startUdpPair } from './udp-pair.js';

const SIZE_CLASSES = [1, 1200, 1472, 8192, MAX_DATAGRAM_SIZE];

describe('UDP forwarding through the tunnel (-udp at both ends)', () => {
  test('random datagrams of every size class, several flows at once, TCP in the same session', {
    timeout: 60_000,
  }, async () => {
    const target = await EchoTarget.start();
    const pair = await startUdpPair({ targetPort: target.port, serverUdp: {} });
    const probes = await Promise.all(Array.from({ length: 4 }, () => UdpProbe.open()));
    try {
      const tcp = Promise.all(Array.from({ length: 3 }, () => tcpEcho(pair.port, 256 << 10)));
      const sent: Buffer[][] = probes.map(() => []);
      // Each flow sends its next datagram when the last one came back, all flows at once, except that
      // one datagram above 8 KB is in flight at a time: the endpoints' kernel receive buffers (212 KB by
      // default) hold only three of the largest, and a drop there is not the tunnel's.
      let large = Promise.resolve();
      await Promise.all(
        probes.map(async (probe, i) => {
          for (let round = 0; round < 3; round++) {
            for (const size of SIZE_CLASSES) {
              const data = randomBytes(size);
              sent[i].push(data);
              const echoed = async (): Promise<void> => {
                await probe.send(data, pair.port);
                await probe.waitFor(sent[i].length);
              };
              if (size <= 8192) await echoed();
              else {
                large = large.then(echoed);
                await large;
              }
            }
          }
        }),
      );
      for (const [i, probe] of probes.entries()) {
        // one flow is one ordered channel: replies come back in the order sent, byte for byte
        assert.equal(probe.received.length, sent[i].length);
        for (const [k, d] of sent[i].entries()) assert.ok(probe.received[k].equals(d), `flow ${i} #${k}`);
      }
      await tcp;
      assert.equal(pair.clientStats.FlowsActive, 4);
      assert.equal(pair.serverStats.FlowsActive, 4);
      const total = SIZE_CLASSES.reduce((a, b) => a + b, 0) * 3 * 4;
      assert.equal(pair.clientStats.BytesIn, total);
      assert.equal(pair.clientStats.BytesOut, total);
      assert.equal(pair.serverStats.DatagramsOut, SIZE_CLASSES.length * 3 * 4);
      assert.ok(
        pair.clientLogs.includes('udp channel opened: the server forwards UDP'),
        pair.clientLogs.join('\n'),
      );
    } finally {
      for (const p of probes) p.close();
      pair.close();
      target.close();
    }
  });
});

describe('UDP flow lifetime and bounds', () => {
  test('an idle flow is closed at both ends and frees its server socket', { timeout: 30_000 }, async () => {
    const target = await EchoTarget.start();
    const pair = await startUdpPair({
      targetPort: target.port,
      serverUdp: { timeoutSeconds: 0.3 },
      clientUdp: { timeoutSeconds: 0.3 },
    });
    const probe = await UdpProbe.open();
    try {
      await probe.send(Buffer.from('ping'), pair.port);
      await probe.waitFor(1);
      assert.equal(pair.server.udpFlowCount, 1);
      await until(() => pair.server.udpFlowCount === 0 && pair.clientStats.FlowsActive === 0);
      assert.equal(pair.serverStats.FlowsClosed, 1);
      assert.ok(pair.serverLogs.some((l) => l.startsWith('udp flow closed') && l.includes('in 1 datagrams')));
      // the same source again is a new flow with a new server socket
      await probe.send(Buffer.from('again'), pair.port);
      await probe.waitFor(2);
      assert.equal(probe.received[1].toString(), 'again');
      assert.equal(pair.serverStats.FlowsOpened, 2);
    } finally {
      probe.close();
      pair.close();
      target.close();
    }
  });

  test('a flow waiting for a server that never answers times out with its datagrams', {
    timeout: 30_000,
  }, async () => {
    const silent = dgram.createSocket('udp4'); // a "server" that reads and never answers
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const stats = new UdpStats();
    const client = new TunnelClient({
      listen: { host: '127.0.0.1', port: 0 },
      remote: { host: '127.0.0.1', minPort: silent.address().port, maxPort: silent.address().port },
      conn: 1,
      autoExpireSeconds: 0,
      scavengeTtlSeconds: 600,
      closeWaitSeconds: 0,
      quiet: true,
      noComp: false,
      smux: defaultSmuxConfig(),
      session: { ...sessionOptions(), sockbuf: 1 << 20 },
      udp: { timeoutSeconds: 0.2, stats },
      log: () => {},
    });
    const { port } = (await client.start()) as AddressInfo;
    const probe = await UdpProbe.open();
    try {
      for (let i = 0; i < 3; i++) await probe.send(Buffer.from('waiting'), port);
      await until(() => stats.FlowsClosed === 1);
      assert.equal(stats.FlowsActive, 0);
      assert.equal(stats.DropsNoTunnel, 3);
    } finally {
      probe.close();
      client.close();
      silent.close();
    }
  });

  test('a flood of new source ports stops at the flow cap, with one log line', {
    timeout: 30_000,
  }, async () => {
    const target = await EchoTarget.start();
    const pair = await startUdpPair({ targetPort: target.port, serverUdp: {}, clientUdp: { maxFlows: 8 } });
    const probes = await Promise.all(Array.from({ length: 40 }, () => UdpProbe.open()));
    try {
      for (const probe of probes) await probe.send(Buffer.from('x'), pair.port);
      await until(() => pair.clientStats.DatagramsIn === 40);
      await Promise.all(probes.slice(0, 8).map((p) => p.waitFor(1)));
      assert.equal(pair.clientStats.FlowsActive, 8);
      assert.equal(pair.clientStats.DropsFlowLimit, 32);
      assert.equal(pair.serverStats.FlowsActive, 8);
      assert.equal(pair.clientLogs.filter((l) => l.includes('flows open, the most')).length, 1);
    } finally {
      for (const p of probes) p.close();
      pair.close();
      target.close();
    }
  });

  test('the server caps flows per session too', { timeout: 30_000 }, async () => {
    const target = await EchoTarget.start();
    const pair = await startUdpPair({ targetPort: target.port, serverUdp: { maxFlows: 4 } });
    const probes = await Promise.all(Array.from({ length: 10 }, () => UdpProbe.open()));
    try {
      for (const probe of probes) await probe.send(Buffer.from('x'), pair.port);
      await until(() => pair.serverStats.DropsFlowLimit + pair.serverStats.FlowsOpened === 10);
      assert.equal(pair.serverStats.FlowsOpened, 4);
      assert.equal(pair.serverStats.DropsFlowLimit, 6);
      assert.equal(pair.serverLogs.filter((l) => l.includes('flows open, the most a session may')).length, 1);
    } finally {
      for (const p of probes) p.close();
      pair.close();
      target.close();
    }
  });
});

describe('a server that does not forward UDP', () => {
  test('ours without -udp: one clear line, no datagram reaches the target, TCP still works', {
    timeout: 30_000,
  }, async () => {
    const target = await EchoTarget.start({ udp: false });
    const pair = await startUdpPair({ targetPort: target.port });
    const probe = await UdpProbe.open();
    try {
      const payload = Buffer.from('DATAGRAM-PAYLOAD-THAT-MUST-NOT-ARRIVE');
      await probe.send(payload, pair.port);
      await until(() => pair.clientLogs.includes(UDP_REFUSED_LINE));
      await probe.send(payload, pair.port);
      await until(() => pair.clientStats.DropsNoTunnel === 2);
      await tcpEcho(pair.port, 64 << 10);
      assert.equal(target.tcpConnections, 1, 'only the TCP test connected to the target');
      assert.equal(Buffer.concat(target.tcpBytes).indexOf(payload), -1);
      assert.equal(pair.clientLogs.filter((l) => l === UDP_REFUSED_LINE).length, 1);
      assert.equal(probe.received.length, 0);
    } finally {
      probe.close();
      pair.close();
      target.close();
    }
  });
});

/** Echo `bytes` random bytes over one TCP connection through the tunnel and check them. */
async function tcpEcho(port: number, bytes: number): Promise<void> {
  const [sent, got] = await clientExchange(port, bytes);
  assert.equal(sent, got);
}
