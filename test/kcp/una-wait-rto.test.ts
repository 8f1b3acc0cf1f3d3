import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_INPUT_OK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';

// -mode auto's RTO covers the una wait (UNA_WAIT_DECAY in src/kcp/kcp.ts) with a margin floor judged with
// srtt before the sample, and is built on that srtt where the sample lowered it: toward a Go client
// flushing ACKs every 40 ms, an RTO built on a srtt that fell across the una wait's threshold was under the
// una wait, and a whole run timed out for nothing (docs/link-cold-lossy-2026-12-05.md).

const CONV = 7;
/** How long the peer's una took to acknowledge a segment (its ACK period): the una wait. */
const UNA_WAIT = 40;

/** One ACK of a segment not in flight, echoing `ts`, with the peer's `una`, input at `now`: an RTT sample. */
function ack(kcp: Kcp, now: number, ts: number, una: number): void {
  const d = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, 0, 1024, ts, 1_000_000, una, 0);
  assert.equal(kcp.input(d, 0, d.length, now), KCP_INPUT_OK);
}

test('auto: an RTT sample that lowers srtt across the una wait threshold leaves the RTO above the una wait', () => {
  const kcp = new Kcp(CONV, () => {});
  kcp.setNoDelay(1, 10, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.enableCongestionControl(1);
  // srtt settles at 21 ms with a small rttvar
  let now = 0;
  for (let i = 0; i < 40; i++, now += 5) ack(kcp, now, now - 21, 0);
  assert.equal(kcp.srtt, 21);
  // a segment sent now is acknowledged only by the peer's una, a whole ACK period later
  kcp.send(Buffer.alloc(10));
  kcp.flush(false, now);
  now += UNA_WAIT;
  ack(kcp, now, now - 21, 1);
  assert.equal(kcp.sndUna, 1);
  // srtt falls to 18: the una wait is now at least two srtt, and the RTO must cover it
  ack(kcp, now + 1, now, 1);
  assert.equal(kcp.srtt, 18);
  assert.ok(kcp.rto > UNA_WAIT, `RTO ${kcp.rto} ms against a una wait of ${UNA_WAIT} ms`);
});
