import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_CMD_PUSH, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';

const CONV = 7;
/** kcp-go's initial RTO, before any RTT sample: when the segments sent at 0 time out. */
const RTO = 200;
/** fast3's interval. */
const INTERVAL = 10;

/** A sender with a segment sent at t=0; `sent` counts its datagrams. */
function sender(): { kcp: Kcp; sent: () => number } {
  let datagrams = 0;
  const kcp = new Kcp(CONV, () => {
    datagrams++;
  });
  kcp.setNoDelay(1, INTERVAL, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.send(Buffer.alloc(300));
  kcp.flush(false, 0);
  assert.equal(datagrams, 1);
  return { kcp, sent: () => datagrams };
}

/** One segment from the peer: `cmd` with sn 0, acknowledging nothing, advertising `wnd`. */
function fromPeer(cmd: number, wnd: number, now: number): Buffer {
  const len = cmd === KCP_CMD_PUSH ? 1 : 0;
  const buf = Buffer.alloc(KCP_OVERHEAD + len);
  writeSegmentHeader(buf, 0, CONV, cmd, 0, wnd, now, 0, 0, len);
  return buf;
}

test('a sender waiting on its ACKs is idle until its first timeout: a flush meanwhile sends nothing and returns that wait', () => {
  const { kcp } = sender();
  const twin = sender();
  for (let now = INTERVAL; now < RTO; now += INTERVAL) {
    const wait = kcp.idleWait(now);
    assert.equal(wait, Math.min(INTERVAL, RTO - now), `at ${now} ms`);
    assert.equal(twin.kcp.flush(false, now), wait, `the flush at ${now} ms waits as long`);
  }
  assert.equal(twin.sent(), 1, 'the flushes while idle sent nothing');
  assert.equal(kcp.idleWait(RTO), -1, 'the timeout is due');
  kcp.flush(false, RTO);
  assert.equal(kcp.retransmittedSegs, 1);
});

test('an ACK owed, data queued or a closed peer window needs a flush', () => {
  const owes = sender().kcp;
  const push = fromPeer(KCP_CMD_PUSH, 1024, 5);
  owes.input(push, 0, push.length, 5);
  assert.equal(owes.idleWait(6), -1, 'an ACK owed');

  const queued = sender().kcp;
  queued.send(Buffer.alloc(100));
  assert.equal(queued.idleWait(6), -1, 'data queued');

  const closed = sender().kcp;
  const ack = fromPeer(KCP_CMD_ACK, 0, 5);
  closed.input(ack, 0, ack.length, 5);
  assert.equal(closed.idleWait(6), -1, 'the peer window closed: its probe is timed by the flushes');
});
