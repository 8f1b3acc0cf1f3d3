import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_RTO_MIN, KCP_RTO_NDL, RtoEstimator } from '../../src/kcp/index.js';

interface Step {
  rtt: number;
  srtt: number;
  rttvar: number;
  rto: number;
}

/** Recorded from kcp-go v5.6.1 update_ack after NoDelay(0, 30, 2, 1): interval 30, minimum RTO 100. */
const NORMAL: Step[] = [
  { rtt: 100, srtt: 100, rttvar: 50, rto: 300 },
  { rtt: 120, srtt: 102, rttvar: 42, rto: 270 },
  { rtt: 80, srtt: 99, rttvar: 37, rto: 247 },
  { rtt: 300, srtt: 124, rttvar: 78, rto: 436 },
  { rtt: 50, srtt: 114, rttvar: 77, rto: 422 },
  { rtt: 0, srtt: 99, rttvar: 78, rto: 411 },
  { rtt: 2000, srtt: 336, rttvar: 533, rto: 2468 },
  { rtt: 20, srtt: 296, rttvar: 478, rto: 2208 },
  { rtt: 20, srtt: 261, rttvar: 427, rto: 1969 },
  { rtt: 20, srtt: 230, rttvar: 380, rto: 1750 },
  { rtt: 20, srtt: 203, rttvar: 337, rto: 1551 },
  { rtt: 20, srtt: 180, rttvar: 298, rto: 1372 },
  { rtt: 20, srtt: 160, rttvar: 263, rto: 1212 },
  { rtt: 20, srtt: 142, rttvar: 232, rto: 1070 },
  { rtt: 20, srtt: 126, rttvar: 204, rto: 942 },
  { rtt: 70000, srtt: 8860, rttvar: 17621, rto: 60000 },
];

/** Recorded from kcp-go v5.6.1 after NoDelay(1, 10, 2, 1): interval 10, minimum RTO 30. */
const NODELAY: Step[] = [
  { rtt: 5, srtt: 5, rttvar: 2, rto: 30 },
  { rtt: 5, srtt: 5, rttvar: 1, rto: 30 },
  { rtt: 5, srtt: 5, rttvar: 0, rto: 30 },
  { rtt: 5, srtt: 5, rttvar: 0, rto: 30 },
  { rtt: 6, srtt: 5, rttvar: 0, rto: 30 },
  { rtt: 4, srtt: 4, rttvar: 0, rto: 30 },
  { rtt: 5, srtt: 4, rttvar: 0, rto: 30 },
  { rtt: 1, srtt: 3, rttvar: 0, rto: 30 },
  { rtt: 2147483647, srtt: 268435458, rttvar: 536870911, rto: 60000 },
];

function replay(steps: Step[], interval: number, minRto: number): void {
  const est = new RtoEstimator();
  assert.equal(est.rto, 200, 'initial RTO is IKCP_RTO_DEF');
  for (const s of steps) {
    est.update(s.rtt, interval, minRto);
    assert.deepEqual({ rtt: s.rtt, srtt: est.srtt, rttvar: est.rttvar, rto: est.rto }, s);
  }
}

test('RTO estimator matches kcp-go on a known sample sequence (nodelay off)', () => {
  replay(NORMAL, 30, KCP_RTO_MIN);
});

test('RTO estimator matches kcp-go with nodelay (30 ms floor, 10 ms interval)', () => {
  replay(NODELAY, 10, KCP_RTO_NDL);
});
