import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParityTuner, type SenderLimit } from '../../src/fec/index.js';

/** A tuner whose peer's datagrams have shown FEC headers, the usual case. */
function tunerTowardFecPeer(max: number): ParityTuner {
  const tuner = new ParityTuner(max);
  tuner.peerSendsFec();
  return tuner;
}

test('ParityTuner: full parity first, down on a clean link, up at 0.5 % residual loss, steady in between', () => {
  const tuner = tunerTowardFecPeer(3);
  // one period per 100 ms with a 40 ms round trip: the segment count ends each period
  let t = 0;
  const update = (sent: number, lost: number) => {
    t += 100;
    return tuner.update(sent, lost, t, 40, 'other');
  };
  assert.equal(update(1000, 0), 3); // the first 1024 segments keep full parity
  assert.equal(update(1024, 0), 2); // a clean period: one fewer
  assert.equal(update(2048, 0), 1);
  // 0.5 % of the segments retransmitted, two periods in a row: a loss FEC should cover, one more
  assert.equal(update(3072, 5), 1);
  assert.equal(update(4096, 10), 2);
  // 0.3 %: neither quiet nor lossy
  assert.equal(update(5120, 13), 2);
  assert.equal(update(6144, 16), 2);
  // 0.1 %: quiet
  assert.equal(update(7168, 17), 1);
});

test('ParityTuner: a period spans two round trips, so retransmissions a round trip late still count', () => {
  const tuner = tunerTowardFecPeer(3);
  // a doubling flight (Startup) at a 200 ms round trip: 1024 segments go out in 100 ms
  assert.equal(tuner.update(1024, 0, 0, 200, 'other'), 3);
  assert.equal(tuner.update(2048, 0, 100, 200, 'other'), 3); // one round trip: too early to judge
  assert.equal(tuner.update(4096, 0, 200, 200, 'other'), 3);
  // 400 ms: the period's retransmissions (1 % of 4096) arrived a round trip after the losses
  assert.equal(tuner.update(4096, 41, 400, 200, 'other'), 3);
  assert.equal(tuner.update(8192, 41, 800, 200, 'other'), 2); // a clean period of two round trips: one fewer
});

test('ParityTuner: none at the path rate once the start is over, the loss count again two round trips after', () => {
  const tuner = tunerTowardFecPeer(3);
  // a bulk sender held by its pacer, 40 ms round trip: full parity through the first 1024 segments
  assert.equal(tuner.update(500, 0, 100, 40, 'path-rate'), 3);
  assert.equal(tuner.update(1023, 0, 200, 40, 'path-rate'), 3);
  // 1 % lost: the count the loss calls for stays 3, but at the path rate none is sent
  assert.equal(tuner.update(1100, 10, 210, 40, 'path-rate'), 0);
  assert.equal(tuner.update(1200, 11, 220, 40, 'other'), 0); // a flush not held back, within the hold
  assert.equal(tuner.update(1250, 12, 289, 40, 'other'), 0); // 79 ms after the last held flush
  // the bulk data ended: 80 ms (two round trips) after the last held flush, the loss's count
  assert.equal(tuner.update(1260, 12, 290, 40, 'other'), 3);
});

test('ParityTuner: periods at the path rate measure the link loss, so the count is ready when parity is free', () => {
  const tuner = tunerTowardFecPeer(3);
  let t = 0;
  const update = (sent: number, lost: number, limit: SenderLimit) => {
    t += 100;
    return tuner.update(sent, lost, t, 40, limit);
  };
  // a clean start: the loss count goes to 0
  assert.equal(update(1000, 0, 'other'), 3);
  assert.equal(update(2048, 0, 'other'), 2);
  assert.equal(update(3072, 0, 'other'), 1);
  assert.equal(update(4096, 0, 'other'), 0);
  // at the path rate without parity, 1 % of the segments are retransmitted, period after period
  assert.equal(update(5120, 10, 'path-rate'), 0);
  assert.equal(update(6144, 20, 'path-rate'), 0); // two lossy periods: the loss count is 1
  assert.equal(update(7168, 30, 'path-rate'), 0); // the loss count is 2
  // the sender leaves the path rate: two round trips later the loss count is sent
  assert.equal(update(7200, 30, 'other'), 2);
});

test('ParityTuner: when the bulk data ends, its last flight has the loss count at once', () => {
  const tuner = tunerTowardFecPeer(3);
  assert.equal(tuner.update(1100, 10, 100, 40, 'path-rate'), 0);
  assert.equal(tuner.update(1200, 11, 110, 40, 'path-rate'), 0);
  // nothing left to send 10 ms after a flush the pacer held: no hold for the tail
  assert.equal(tuner.update(1210, 11, 120, 40, 'out-of-data'), 3);
  assert.equal(tuner.update(1220, 11, 130, 40, 'other'), 3);
});

test('ParityTuner: a peer whose decoder has our shape gets no full-parity start; a wrong guess restarts it', () => {
  const tuner = tunerTowardFecPeer(3);
  assert.equal(tuner.update(10, 0, 10, 40, 'path-rate'), 3); // not known yet: full parity
  tuner.peerShape(true, 10);
  assert.equal(tuner.update(20, 0, 20, 40, 'path-rate'), 0); // at the path rate: none, within the start
  assert.equal(tuner.update(30, 0, 30, 40, 'other'), 0); // held for two round trips
  assert.equal(tuner.update(40, 0, 120, 40, 'other'), 3); // then what the loss calls for
  // a clean period lowers the count, as without the shape known
  assert.equal(tuner.update(1100, 0, 220, 40, 'other'), 2);
  // a shard out of place after all: the peer's autotune gets 1024 segments of full parity from here
  tuner.peerShape(false, 1100);
  assert.equal(tuner.update(1200, 0, 320, 40, 'path-rate'), 3);
  assert.equal(tuner.update(2123, 0, 420, 40, 'path-rate'), 3);
  assert.equal(tuner.update(2124, 0, 430, 40, 'path-rate'), 0);
});

test('ParityTuner: no parity before the peer has shown FEC headers, whose (1,1) decoder would rebuild garbage from it', () => {
  const tuner = new ParityTuner(3);
  assert.equal(tuner.update(10, 0, 10, 40, 'other'), 0);
  assert.equal(tuner.update(20, 0, 20, 40, 'other'), 0);
  tuner.peerSendsFec();
  assert.equal(tuner.update(30, 0, 30, 40, 'other'), 3); // then the full-parity start
});

test("ParityTuner: Startup's ramp keeps the loss's count until the round trip shows its queue, then none", () => {
  const tuner = tunerTowardFecPeer(3);
  tuner.peerShape(true, 0); // no full-parity start: the count is the loss's (3 until a period says less)
  // 50 ms/1 %, 10 Mbit/s: the ramp begins at the idle round trip, its first flight exceeds the BDP
  assert.equal(tuner.update(80, 0, 110, 102, 'startup-ramp'), 3);
  assert.equal(tuner.update(160, 0, 210, 120, 'startup-ramp'), 3); // 18 % above: not yet a queue
  assert.equal(tuner.update(240, 0, 310, 144, 'startup-ramp'), 0); // 41 % above: the ramp fills a queue
  assert.equal(tuner.update(400, 1, 410, 190, 'startup-ramp'), 0);
  // Startup ended; past the hold (two round trips after the last held flush) the loss's count again
  assert.equal(tuner.update(600, 2, 700, 150, 'other'), 0);
  assert.equal(tuner.update(610, 2, 711, 150, 'other'), 3);
});

test("ParityTuner: a ramp's round trip that swings with jitter, not a queue, keeps the count", () => {
  const tuner = tunerTowardFecPeer(3);
  tuner.peerShape(true, 0);
  // 50 ± 30 ms: the smoothed round trip wanders within a quarter of the ramp's first (130 ms)
  let t = 0;
  for (const rtt of [130, 105, 160, 118, 155, 140]) {
    t += 100;
    assert.equal(tuner.update(t, 0, t, rtt, 'startup-ramp'), 3, `rtt ${rtt}`);
  }
});

test("ParityTuner: a sender the peer's window holds gets full parity, even when its pacer binds between the window's binds", () => {
  const tuner = tunerTowardFecPeer(3);
  tuner.peerShape(true, 0);
  // a clean start lowers the loss's count to 1
  assert.equal(tuner.update(1024, 0, 100, 200, 'other'), 3);
  assert.equal(tuner.update(2048, 0, 500, 200, 'other'), 2);
  assert.equal(tuner.update(3072, 0, 900, 200, 'other'), 1);
  // 100 ms/5 % toward a Go client's 512-segment window: its binds alternate with the pacer's, which
  // paces at the rate the window let through; no queue (the round trip stays at 200-210 ms)
  assert.equal(tuner.update(3200, 0, 950, 200, 'window'), 3);
  assert.equal(tuner.update(3300, 0, 1000, 210, 'path-rate'), 3);
  assert.equal(tuner.update(3400, 0, 1349, 205, 'path-rate'), 3); // 399 ms after the window's bind
  // two round trips without a window bind: the pacer is the path's rate again, no parity
  assert.equal(tuner.update(3500, 0, 1400, 200, 'path-rate'), 0);
});

test('ParityTuner: a window that binds because a queue fills it is the path rate: no parity', () => {
  const tuner = tunerTowardFecPeer(3);
  tuner.peerShape(true, 0);
  assert.equal(tuner.update(100, 0, 100, 100, 'other'), 3); // the idle round trip: 100 ms
  // a 10 Mbit/s bottleneck whose queue the 512-segment window fills: the round trip is 560 ms
  assert.equal(tuner.update(200, 0, 200, 560, 'window'), 0);
  assert.equal(tuner.update(300, 0, 300, 560, 'path-rate'), 0);
  assert.equal(tuner.update(400, 0, 400, 560, 'window'), 0);
});

test("ParityTuner: a window-bound sender on a jittery path: the controller's round trip without a queue is the reference", () => {
  // 50 ± 30 ms one way, never reordered, toward a Go client's 512-segment window: the first idle samples
  // smooth to 107 ms, the loaded round trip to 140-159 with no queue (a packet behind a slow one waits for
  // it); the controller's round trip without a queue (Startup's baseline mean) reads 130 (116-135 there)
  const run = (loadedRtt: number) => {
    const tuner = tunerTowardFecPeer(3);
    tuner.peerShape(true, 0);
    const counts: number[] = [tuner.update(100, 0, 100, 107, 'other', loadedRtt)];
    let t = 100;
    for (const rtt of [140, 152, 145, 159, 147]) {
      t += 50;
      counts.push(tuner.update(100 + t, 0, t, rtt, 'window', loadedRtt));
      counts.push(tuner.update(110 + t, 0, t + 10, rtt, 'path-rate', loadedRtt));
    }
    return counts;
  };
  // 159 ms is within a quarter above 130: no queue, the window holds the sender, full parity
  assert.deepEqual(run(130), [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
  // against the lowest smoothed round trip (107 ms) alone the jitter read as a queue: none
  assert.deepEqual(run(0), [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // a queue that fills the window still shows above the controller's round trip
  const tuner = tunerTowardFecPeer(3);
  tuner.peerShape(true, 0);
  assert.equal(tuner.update(100, 0, 100, 100, 'other', 100), 3);
  assert.equal(tuner.update(200, 0, 200, 560, 'window', 130), 0);
});

test('ParityTuner: a window-bound sender on a clean link sends no parity', () => {
  const tuner = tunerTowardFecPeer(3);
  tuner.peerShape(true, 0);
  let t = 0;
  const update = (sent: number) => {
    t += 100;
    return tuner.update(sent, 0, t, 40, 'window');
  };
  // clean periods lower the loss's count; while it is above 0 the window gets all of it
  assert.equal(update(1024), 3);
  assert.equal(update(2048), 3); // count 2
  assert.equal(update(3072), 3); // count 1
  assert.equal(update(4096), 0);
  assert.equal(update(5120), 0);
});

test('ParityTuner: a window-bound sender on a lossy link keeps full parity through periods it leaves little to retransmit', () => {
  const tuner = tunerTowardFecPeer(3);
  tuner.peerShape(true, 0);
  let t = 0;
  let sent = 0;
  let lost = 0;
  const update = (retransmitted: number) => {
    t += 500;
    sent += 1024;
    lost += retransmitted;
    return tuner.update(sent, lost, t, 200, 'window');
  };
  assert.equal(update(0), 3); // the first period starts, it ends with the next
  // 0.1 % and none, alternating: the usual rule would have lowered the count to 0 by the third
  for (let i = 0; i < 10; i++) assert.equal(update(1 - (i % 2)), 3, `period ${i}`);
  // four periods in a row without a retransmission lower the count by one, still above 0: full parity
  for (let i = 0; i < 8; i++) assert.equal(update(0), 3, `clean period ${i}`);
  // the link turned clean: the third step takes the count to 0
  for (let i = 0; i < 3; i++) update(0);
  assert.equal(update(0), 0);
});

test('ParityTuner: settled while no period can end and no hold can expire without more segments sent', () => {
  const tuner = tunerTowardFecPeer(3);
  tuner.peerShape(true, 0);
  // a period of 1100 segments is due to end two round trips (80 ms) after it began: not settled until it has
  tuner.update(0, 0, 0, 40, 'other');
  tuner.update(1100, 0, 50, 40, 'out-of-data');
  assert.equal(tuner.settled(1100, 50, 40), false);
  assert.equal(tuner.update(1100, 0, 80, 40, 'out-of-data'), 2, 'the clean period lowered the count');
  assert.equal(tuner.settled(1100, 80, 40), true);
  assert.equal(tuner.settled(1100, 60_000, 40), true, 'and stays so as time passes');
  // held at the path's rate: an out-of-data update would clear that and the count would come back
  tuner.update(1200, 0, 90, 40, 'path-rate');
  assert.equal(tuner.settled(1200, 90, 40), false);
  assert.equal(tuner.update(1200, 0, 100, 40, 'out-of-data'), 2, 'out of data: the count at once');
  assert.equal(tuner.settled(1200, 100, 40), true);
  // a window's hold gives full parity until it expires two round trips later: settled once it has
  tuner.update(1300, 0, 110, 40, 'window');
  tuner.update(1300, 0, 120, 40, 'out-of-data');
  assert.equal(tuner.settled(1300, 120, 40), false);
  assert.equal(tuner.settled(1300, 190, 40), true);
});
