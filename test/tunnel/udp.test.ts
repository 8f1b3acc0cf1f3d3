import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { MAX_DATAGRAM_SIZE } from '../../src/tunnel/udp-frame.js';
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

/** Echo `bytes` random bytes over one TCP connection through the tunnel and check them. */
async function tcpEcho(port: number, bytes: number): Promise<void> {
  const [sent, got] = await clientExchange(port, bytes);
  assert.equal(sent, got);
}
