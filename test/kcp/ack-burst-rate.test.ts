/**
 * AckBurstRate (src/kcp/ack-burst-rate.ts): the highest rate the peer's ACK events acknowledged data at,
 * each reading over at least SPAN_MIN_MS (and an eighth of the min RTT), so ACK events that come close
 * together (a Go client's flush on a write right after its interval's) do not read as a burst.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AckBurstRate, SPAN_MIN_MS } from '../../src/kcp/ack-burst-rate.js';

/** ACK events every `gapMs` from `from`, each acknowledging `bytes`. */
function feed(
  r: AckBurstRate,
  from: number,
  gapMs: number,
  events: number,
  bytes: number,
  minRtt: number,
): void {
  for (let k = 0; k < events; k++) r.onAck((from + k * gapMs) >>> 0, bytes, minRtt);
}

test('steady ACKs read their rate; two events a ms apart are no reading of their own', () => {
  const r = new AckBurstRate();
  r.onAck(1000, 10_000, 50);
  r.onAck(1001, 10_000, 50);
  assert.equal(r.highest, 0, 'no reading spans less than SPAN_MIN_MS');
  const s = new AckBurstRate();
  feed(s, 1000, 10, 20, 5_000, 50); // 500 bytes per ms
  assert.ok(Math.abs(s.highest - 500) < 1, `${s.highest}`);
});

test('a burst between slower stretches is the highest reading, across the uint32 clock wrap', () => {
  const r = new AckBurstRate();
  const t0 = 0xffffff00;
  feed(r, t0, 10, 10, 2_000, 50); // 200 bytes per ms
  feed(r, t0 + 100, 10, 6, 8_000, 50); // 800 bytes per ms for 60 ms
  feed(r, t0 + 160, 10, 10, 2_000, 50);
  assert.ok(Math.abs(r.highest - 800) < 1, `${r.highest}`);
});

test('a reading spans an eighth of the min RTT on a long path: a bunch of ACKs shorter than that is averaged', () => {
  // 10 ms of bunched ACKs at 2,000 bytes per ms amid 200 per ms
  const bunch = (minRtt: number): number => {
    const r = new AckBurstRate();
    feed(r, 0, 10, 10, 2_000, minRtt);
    feed(r, 100, 1, 10, 2_000, minRtt);
    feed(r, 110, 10, 10, 2_000, minRtt);
    return r.highest;
  };
  const short = bunch(50); // spans >= SPAN_MIN_MS: ~650
  const long = bunch(480); // spans >= 60 ms: ~500
  assert.ok(SPAN_MIN_MS < 480 / 8);
  assert.ok(long < 550 && short > long, `${long} over >= 60 ms, ${short} over >= ${SPAN_MIN_MS} ms`);
});

test('the ACKs a busy event loop reads in one batch after a stall are one event: no inflated reading', () => {
  const r = new AckBurstRate();
  feed(r, 0, 10, 10, 2_000, 50); // 200 bytes per ms
  // nothing read for 60 ms, then the 60 ms of ACKs that queued, as 6 inputs over two ms
  for (let k = 0; k < 6; k++) r.onAck(k < 2 ? 150 : 151, 2_000, 50);
  feed(r, 160, 10, 6, 2_000, 50);
  // a reading from the batch's ms 150 would count its ms 151's 8,000 bytes in the 40 ms after it (~400)
  assert.ok(r.highest < 300, `${r.highest}`);
});

test('the delivered rate spans a second and 8 min RTTs: a stall with no ACKs in it counts as time', () => {
  const r = new AckBurstRate();
  // 200 bytes per ms for 500 ms, nothing for 300 ms (a hole holds the window), 200 per ms again
  feed(r, 0, 10, 51, 2_000, 100);
  feed(r, 800, 10, 20, 2_000, 100);
  assert.equal(r.average, 0, 'no whole span yet (990 ms from the first event)');
  feed(r, 1000, 10, 10, 2_000, 100);
  // the bytes of the 71 events after the first over the 1,000 ms from it: 142 of the 200 bytes per ms
  assert.ok(Math.abs(r.average - 142) < 1, `${r.average}`);
  // the burst reading is the rate the ACKs came at, not the stall's
  assert.ok(Math.abs(r.highest - 200) < 1, `${r.highest}`);
  // on a path of a 200 ms min RTT a span is 8 of them: 1,600 ms
  const long = new AckBurstRate();
  feed(long, 0, 10, 151, 2_000, 200);
  assert.equal(long.average, 0);
  feed(long, 1510, 10, 10, 2_000, 200);
  assert.ok(Math.abs(long.average - 200) < 1, `${long.average}`);
});

test("an idle session's pause is no part of the delivered rate: the span starts again after restartAverage", () => {
  const r = new AckBurstRate();
  const without = new AckBurstRate();
  for (const x of [r, without]) x.onAck(0, 100, 100); // a request's ACK, then nothing to send for 5 s
  r.restartAverage();
  // a download at 200 bytes per ms: without the restart its first ACK ends a span of the pause
  for (const x of [r, without]) x.onAck(5_000, 2_000, 100);
  assert.equal(r.average, 0);
  assert.ok(without.average > 0 && without.average < 1, `${without.average}: the pause read as the rate`);
  feed(r, 5_010, 10, 100, 2_000, 100);
  assert.ok(Math.abs(r.average - 200) < 1, `${r.average}`);
});
