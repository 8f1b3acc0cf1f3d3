import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UDP_REFUSED_LINE } from '../../src/tunnel/udp-client-flows.js';
import { until } from '../support/deadline.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { goKcptunAvailable, TunnelProcess } from '../support/procs.js';
import { clientExchange } from '../support/transfer.js';
import { EchoTarget, UdpProbe } from '../support/udp-echo.js';

/**
 * -udp next to the Debian Go kcptun (20210922): our client asks with a NOP the Go server ignores, so the
 * Go server must see nothing but TCP streams; and our server with -udp must serve a Go client as before.
 */
const skip = goKcptunAvailable() ? false : 'Go kcptun not installed (apt-get install kcptun)';
const COMMON = ['-key', 'udp interop', '-smuxver', '1', '-nocomp'];

describe('-udp against Go kcptun', { skip }, () => {
  test('our client with -udp, Go server: the clear line, no datagram on the TCP target, TCP works', {
    timeout: 60_000,
  }, async () => {
    const target = await EchoTarget.start({ udp: true });
    const kcpPort = await freeUdpPort();
    const localPort = await freeTcpPort();
    const server = TunnelProcess.start('go', 'server', [
      ...COMMON,
      '-l',
      `127.0.0.1:${kcpPort}`,
      '-t',
      `127.0.0.1:${target.port}`,
    ]);
    const client = TunnelProcess.start('ts', 'client', [
      ...COMMON,
      '-udp',
      '-l',
      `127.0.0.1:${localPort}`,
      '-r',
      `127.0.0.1:${kcpPort}`,
    ]);
    const probe = await UdpProbe.open();
    try {
      await server.waitFor('listening on');
      await client.waitFor('listening on');
      const payload = Buffer.from('DATAGRAM-PAYLOAD-THAT-MUST-NOT-ARRIVE');
      await probe.send(payload, localPort);
      await client.waitFor(UDP_REFUSED_LINE, 20_000);
      await probe.send(payload, localPort);
      const [sent, got] = await clientExchange(localPort, 256 << 10);
      assert.equal(sent, got);
      await until(() => target.tcpConnections === 1);
      assert.equal(target.tcpConnections, 1, 'only the TCP test connected to the target');
      assert.equal(Buffer.concat(target.tcpBytes).indexOf(payload), -1);
      assert.equal(target.udpDatagrams, 0);
      assert.equal(client.log.split(UDP_REFUSED_LINE).length - 1, 1, client.log);
    } finally {
      probe.close();
      await client.stop();
      await server.stop();
      target.close();
    }
  });

  test('our server with -udp serves a Go client exactly as before', { timeout: 60_000 }, async () => {
    const target = await EchoTarget.start({ udp: true });
    const kcpPort = await freeUdpPort();
    const localPort = await freeTcpPort();
    const server = TunnelProcess.start('ts', 'server', [
      ...COMMON,
      '-udp',
      '-l',
      `127.0.0.1:${kcpPort}`,
      '-t',
      `127.0.0.1:${target.port}`,
    ]);
    const client = TunnelProcess.start('go', 'client', [
      ...COMMON,
      '-l',
      `127.0.0.1:${localPort}`,
      '-r',
      `127.0.0.1:${kcpPort}`,
    ]);
    try {
      await server.waitFor('listening on');
      await client.waitFor('listening on');
      const results = await Promise.all(
        Array.from({ length: 4 }, () => clientExchange(localPort, 256 << 10)),
      );
      for (const [sent, got] of results) assert.equal(sent, got);
      assert.ok(!server.log.includes('udp channel opened'), server.log);
    } finally {
      await client.stop();
      await server.stop();
      target.close();
    }
  });
});
