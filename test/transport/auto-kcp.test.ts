import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParityTuner } from '../../src/fec/index.js';
import type { ControllerState } from '../../src/kcp/congestion/index.js';
import type { Kcp, NewDataLimit } from '../../src/kcp/index.js';
import { senderLimit } from '../../src/transport/auto-kcp.js';

/** What senderLimit reads of a Kcp: its last flush's limit, the owner's backlog, the controller's state. */
function kcpAt(newDataLimit: NewDataLimit, backlogged: boolean, state: ControllerState | null): Kcp {
  return { newDataLimit, backlogged, congestion: state === null ? null : { state } } as unknown as Kcp;
}

test('senderLimit: past Startup the pacer or the cap is the path rate while the writer holds more, else the last flight', () => {
  assert.equal(senderLimit(kcpAt('pacer', true, 'probe-bw')), 'path-rate');
  assert.equal(senderLimit(kcpAt('cwnd', true, 'drain')), 'path-rate');
  // everything left is in KCP: the segments the pacer or the cap still holds are the transfer's last
  assert.equal(senderLimit(kcpAt('pacer', false, 'probe-bw')), 'last-flight');
  assert.equal(senderLimit(kcpAt('cwnd', false, 'probe-rtt')), 'last-flight');
  // unchanged: Startup's ramp, the windows, nothing left
  assert.equal(senderLimit(kcpAt('pacer', false, 'startup')), 'startup-ramp');
  assert.equal(senderLimit(kcpAt('rmt-wnd', false, 'probe-bw')), 'window');
  assert.equal(senderLimit(kcpAt('data', false, 'probe-bw')), 'out-of-data');
  assert.equal(senderLimit(kcpAt('pacer', false, null)), 'other');
});

test("senderLimit: Startup's flushes with data waiting are its ramp's, whatever ended them", () => {
  // the session's send budget per turn, and its short queue that the writer refills at once
  assert.equal(senderLimit(kcpAt('budget', true, 'startup')), 'startup-ramp');
  assert.equal(senderLimit(kcpAt('data', true, 'startup')), 'startup-ramp');
  // and the client's window that holds a long path's first flight (docs/link-first-round-2026-12-06.md)
  assert.equal(senderLimit(kcpAt('rmt-wnd', true, 'startup')), 'startup-ramp');
  assert.equal(senderLimit(kcpAt('snd-wnd', true, 'startup')), 'startup-ramp');
  // nothing waiting is still out of data; past Startup a window is a window and the budget stays `other`
  assert.equal(senderLimit(kcpAt('data', false, 'startup')), 'out-of-data');
  assert.equal(senderLimit(kcpAt('rmt-wnd', true, 'drain')), 'window');
  assert.equal(senderLimit(kcpAt('budget', true, 'probe-bw')), 'other');
  // so the rule that stops Startup's parity once its queue shows applies to those flushes too
  const tuner = new ParityTuner(3);
  tuner.peerSendsFec();
  tuner.peerShape(true, 0);
  const budget = senderLimit(kcpAt('budget', true, 'startup'));
  const refill = senderLimit(kcpAt('data', true, 'startup'));
  assert.equal(tuner.update(80, 0, 110, 100, budget), 3);
  assert.equal(tuner.update(160, 0, 210, 140, refill), 0); // 40 % above the ramp's first round trip
  assert.equal(tuner.update(240, 0, 310, 150, budget), 0);
});

test('ParityTuner: the last flight has the loss count at once, though the pacer still holds it', () => {
  const tuner = new ParityTuner(3);
  tuner.peerSendsFec();
  tuner.peerShape(true, 0);
  // a bulk sender at the path rate on a lossy link (the count the loss calls for stays 3): none sent
  assert.equal(tuner.update(1100, 50, 100, 40, senderLimit(kcpAt('pacer', true, 'probe-bw'))), 0);
  assert.equal(tuner.update(1200, 60, 110, 40, senderLimit(kcpAt('pacer', true, 'probe-bw'))), 0);
  // the writer has nothing more: what the pacer holds goes out with parity, without the two-RTT hold
  assert.equal(tuner.update(1210, 60, 120, 40, senderLimit(kcpAt('pacer', false, 'probe-bw'))), 3);
  // a writer that refills (a source's gap, not the end) is at the path rate again at once
  assert.equal(tuner.update(1220, 60, 130, 40, senderLimit(kcpAt('pacer', true, 'probe-bw'))), 0);
});

test('senderLimit: with the writer dry, what KCP holds beyond a round trip at the pacing rate is not yet the last flight', () => {
  // 100 Mbit/s of pacing over a 300 ms round trip: 3.75 MB is a round trip's data
  const holding = (unsentBytes: number): Kcp =>
    ({
      newDataLimit: 'pacer',
      backlogged: false,
      unsentBytes,
      srtt: 300,
      congestion: { state: 'probe-bw', pacingRate: 12.5e6 },
    }) as unknown as Kcp;
  // after a long Startup the cap let two round trips into snd_buf: they go at the path's rate
  assert.equal(senderLimit(holding(7.5e6)), 'path-rate');
  assert.equal(senderLimit(holding(3.8e6)), 'path-rate');
  // the last round trip's data is the last flight
  assert.equal(senderLimit(holding(3.7e6)), 'last-flight');
  assert.equal(senderLimit(holding(0)), 'last-flight');
  // so parity comes with the last round trip only, on a link whose loss calls for all of it
  const tuner = new ParityTuner(3);
  tuner.peerSendsFec();
  tuner.peerShape(true, 0);
  assert.equal(tuner.update(1100, 110, 100, 300, senderLimit(holding(7.5e6))), 0);
  assert.equal(tuner.update(1200, 120, 400, 300, senderLimit(holding(5e6))), 0);
  assert.equal(tuner.update(1300, 130, 700, 300, senderLimit(holding(3e6))), 3);
});
