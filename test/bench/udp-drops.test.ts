import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { udpReceiveBufferDrops } from '../../bench/tunnel/proc-stats.js';

/** /proc/net/snmp's Udp lines as Linux 5.x-6.x writes them (other protocols' lines around them). */
const SNMP = [
  'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab',
  'Tcp: 1 200 120000 -1 4242 17 3 9 12',
  'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
  'Udp: 98765432 12 208437 97654321 208425 0 0 5 0',
  'UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
  'UdpLite: 0 0 0 0 7 0 0 0 0',
  '',
].join('\n');

test('udpReceiveBufferDrops reads Udp RcvbufErrors, not UdpLite nor InErrors', () => {
  assert.equal(udpReceiveBufferDrops(SNMP), 208425);
});

test('udpReceiveBufferDrops is NaN without a Udp RcvbufErrors field', () => {
  assert.ok(Number.isNaN(udpReceiveBufferDrops('')));
  assert.ok(Number.isNaN(udpReceiveBufferDrops(SNMP.replace('RcvbufErrors SndbufErrors', 'SndbufErrors'))));
  const namesOnly = SNMP.split('\n')
    .filter((l) => !l.startsWith('Udp: 9'))
    .join('\n');
  assert.ok(Number.isNaN(udpReceiveBufferDrops(namesOnly)));
});

test('udpReceiveBufferDrops reads this machine’s counter', { skip: !existsSync('/proc/net/snmp') }, () => {
  const drops = udpReceiveBufferDrops();
  assert.ok(Number.isInteger(drops) && drops >= 0, `RcvbufErrors ${drops}`);
});
