import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOOPBACK_DROP_COUNTERS, parseTcpExt } from '../../bench/link/loopback-drops.js';
import { disturbedLine } from '../../bench/link/report.js';
import { completedRun } from '../support/link-run.js';

/** Two lines of a /proc/net/netstat (6.x) with the TcpExt counters shortened to a few. */
const NETSTAT = [
  'TcpExt: SyncookiesSent PruneCalled TCPRcvQDrop TCPBacklogDrop TCPZeroWindowDrop TCPLossProbes',
  'TcpExt: 0 95 37 2 1 8',
  'IpExt: InNoRoutes InTruncatedPkts',
  'IpExt: 0 0',
].join('\n');

const probe = { idleP50Ms: 50, samples: 10, p50Ms: 60, p99Ms: 90, maxMs: 90, outstandingMs: null };

describe('loopback TCP drops in the link namespaces', () => {
  it('reads the TcpExt counters by name', () => {
    const c = parseTcpExt(NETSTAT);
    assert.equal(c.get('PruneCalled'), 95);
    assert.deepEqual(
      LOOPBACK_DROP_COUNTERS.map((n) => c.get(n)),
      [37, 2, 1],
    );
    assert.equal(c.has('InNoRoutes'), false, 'only TcpExt');
    assert.equal(parseTcpExt('').size, 0);
  });

  it('names the disturbed runs in the report, and says nothing when there are none', () => {
    const clean = completedRun({ profile: 'bursty-50ms-3', transport: 'ts-auto', goodputMbit: 68, probe });
    const hit = completedRun({
      profile: 'bursty-50ms-3',
      transport: 'ts-auto',
      goodputMbit: 35.5,
      probe,
      loopbackTcpDrops: 37,
    });
    assert.deepEqual(disturbedLine([clean, { ...clean, loopbackTcpDrops: 0 }]), []);
    const line = disturbedLine([clean, hit]).join(' ');
    assert.match(line, /bursty-50ms-3 ts-auto cold \(37 segments\)/);
    assert.doesNotMatch(line, /68/);
  });
});
