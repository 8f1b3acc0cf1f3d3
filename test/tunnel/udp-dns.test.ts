import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dig, dnsSkip, startDnsmasq } from '../support/dns.js';
import { freeTcpPort } from '../support/ports.js';
import { startUdpPair } from './udp-pair.js';

/**
 * DNS, the commonest UDP use, through the tunnel with real programs: `dig` asks dnsmasq (Debian
 * packages dnsutils and dnsmasq, installed by .ci/run) over UDP and over TCP on the same port.
 */
describe('DNS through the tunnel', { skip: dnsSkip }, () => {
  test('dig against dnsmasq, over UDP and TCP on the same port', { timeout: 60_000 }, async () => {
    const dnsPort = await freeTcpPort();
    const dnsmasq = await startDnsmasq(dnsPort);
    // dnsmasq must go whatever fails: alive, it keeps this file's process from exiting
    const pair = await startUdpPair({ targetPort: dnsPort, serverUdp: {} }).catch((err: unknown) => {
      dnsmasq.kill();
      throw err;
    });
    try {
      for (let i = 0; i < 5; i++) assert.equal(await dig(pair.port, []), '1.2.3.4');
      assert.equal(await dig(pair.port, ['+tcp']), '1.2.3.4');
      // dig uses a new source port per query: five flows
      assert.equal(pair.clientStats.FlowsOpened, 5);
      assert.equal(pair.serverStats.DatagramsOut, 5);
      assert.equal(pair.clientStats.DatagramsOut, 5);
    } finally {
      pair.close();
      dnsmasq.kill();
    }
  });
});
