import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createSegmentHeader,
  KCP_CMD_ACK,
  KCP_CMD_PUSH,
  KCP_CMD_WASK,
  KCP_CMD_WINS,
  KCP_INPUT_BAD_CMD,
  KCP_INPUT_CONV_MISMATCH,
  KCP_INPUT_OK,
  KCP_INPUT_SHORT,
  KCP_OVERHEAD,
  Kcp,
  readSegmentHeader,
  type SegmentHeader,
  writeSegmentHeader,
} from '../../src/kcp/index.js';
import { snmp } from '../../src/metrics/snmp.js';
import { Rng } from './kcp-pair-sim.js';

const CONV = 0x01020304;

interface Seg extends SegmentHeader {
  data: Buffer;
}

/**
 * A Kcp whose output datagrams (without the reserved bytes) are collected. Congestion control is off
 * (nc=1) as in every kcptun mode; kcp-go's default (nc=0) starts with a zero congestion window.
 */
function endpoint(reserved = 0): { kcp: Kcp; out: Buffer[] } {
  const out: Buffer[] = [];
  const kcp = new Kcp(CONV, (buf, len) => out.push(Buffer.from(buf.subarray(reserved, len))));
  kcp.setNoDelay(0, 100, 0, 1);
  if (reserved > 0) kcp.reserveBytes(reserved);
  return { kcp, out };
}

function segments(datagram: Buffer): Seg[] {
  const segs: Seg[] = [];
  for (let p = 0; p + KCP_OVERHEAD <= datagram.length; ) {
    const h = createSegmentHeader();
    readSegmentHeader(datagram, p, h);
    p += KCP_OVERHEAD;
    segs.push({ ...h, data: datagram.subarray(p, p + h.len) });
    p += h.len;
  }
  return segs;
}

/** All segments of the datagrams collected in `out`, which is emptied. */
function take(out: Buffer[]): Seg[] {
  const segs = out.flatMap(segments);
  out.length = 0;
  return segs;
}

/** Deliver every datagram in `out` (emptied) to `to`. */
function deliver(out: Buffer[], to: Kcp, now: number, ackNoDelay = false): void {
  const datagrams = out.splice(0);
  for (const d of datagrams) assert.equal(to.input(d, 0, d.length, now, { ackNoDelay }), KCP_INPUT_OK);
}

function datagram(
  ...segs: {
    cmd: number;
    sn?: number;
    ts?: number;
    una?: number;
    wnd?: number;
    data?: Buffer;
    conv?: number;
  }[]
): Buffer {
  const parts: Buffer[] = [];
  for (const s of segs) {
    const data = s.data ?? Buffer.alloc(0);
    const h = Buffer.alloc(KCP_OVERHEAD);
    writeSegmentHeader(
      h,
      0,
      s.conv ?? CONV,
      s.cmd,
      0,
      s.wnd ?? 32,
      s.ts ?? 0,
      s.sn ?? 0,
      s.una ?? 0,
      data.length,
    );
    parts.push(h, data);
  }
  return Buffer.concat(parts);
}

test('mtu, reserved bytes and mss follow G561; invalid values throw naming the parameter', () => {
  const { kcp } = endpoint();
  assert.equal(kcp.mss, 1400 - 24);
  kcp.setMtu(1350);
  kcp.reserveBytes(28);
  assert.equal(kcp.mss, 1298);
  kcp.reserveBytes(20);
  assert.equal(kcp.mss, 1306);
  assert.throws(() => kcp.setMtu(49), /mtu/);
  assert.throws(() => kcp.setMtu(1501), /mtu/);
  assert.throws(() => kcp.setMtu(100.5), /mtu/);
  assert.throws(() => kcp.reserveBytes(-1), /reserveBytes/);
  assert.throws(() => kcp.reserveBytes(1350 - 24), /reserveBytes/);
  assert.throws(() => kcp.outputSlack(-1), /outputSlack/);
  assert.equal(kcp.mss, 1306, 'failed calls change nothing');

  kcp.setNoDelay(1, 5, 2, 1);
  assert.equal(kcp.interval, 10);
  kcp.setNoDelay(0, 9999, 2, 1);
  assert.equal(kcp.interval, 5000);
  kcp.setWindowSize(0, -5);
  assert.equal(kcp.sndWnd, 32);
  assert.equal(kcp.rcvWnd, 32);
  kcp.setWindowSize(128, 512);
  assert.equal(kcp.sndWnd, 128);
  assert.equal(kcp.rcvWnd, 512);
});

test('reserved bytes are left untouched and slack is writable room past the datagram', () => {
  const seen: { len: number; room: number; head: string }[] = [];
  const kcp = new Kcp(CONV, (buf, len) => {
    seen.push({ len, room: buf.length - len, head: buf.subarray(0, 8).toString('hex') });
    buf.fill(0xaa, 0, 8); // the FEC/crypt layer writes its headers in place
    buf.fill(0xbb, len, len + 16); // and its AEAD tag after the payload
  });
  kcp.setNoDelay(0, 100, 0, 1);
  kcp.setMtu(200);
  kcp.reserveBytes(8);
  kcp.outputSlack(16);
  kcp.send(Buffer.alloc(400, 1));
  kcp.flush(false, 0);
  assert.deepEqual(
    seen.map((s) => s.len),
    [200, 200, 96],
  );
  assert.ok(seen.every((s) => s.room >= 16));
  assert.equal(seen[0].head, '0000000000000000');
});

test('stream-mode send cuts mss-sized segments and tops up only the last unsent one', () => {
  const { kcp, out } = endpoint();
  kcp.setMtu(100); // mss 76
  kcp.send(Buffer.alloc(10, 1));
  kcp.send(Buffer.alloc(200, 2));
  assert.equal(kcp.waitSnd, 3);
  kcp.flush(false, 1000);
  const segs = take(out);
  assert.deepEqual(
    segs.map((s) => [s.cmd, s.sn, s.len, s.frg, s.wnd, s.una, s.ts]),
    [
      [KCP_CMD_PUSH, 0, 76, 0, 32, 0, 1000],
      [KCP_CMD_PUSH, 1, 76, 0, 32, 0, 1000],
      [KCP_CMD_PUSH, 2, 58, 0, 32, 0, 1000],
    ],
  );
  assert.deepEqual(
    Buffer.concat(segs.map((s) => s.data)),
    Buffer.concat([Buffer.alloc(10, 1), Buffer.alloc(200, 2)]),
  );

  kcp.send(Buffer.from('xyz')); // sn 2 is already in flight: a new segment
  kcp.flush(false, 1001);
  assert.deepEqual(
    take(out).map((s) => [s.sn, s.data.toString()]),
    [[3, 'xyz']],
  );
});

test('with congestion control (nc=0) the first flush sends nothing: cwnd starts at 0, then 1', () => {
  const { kcp, out } = endpoint();
  kcp.setNoDelay(0, 100, 0, 0);
  kcp.send(Buffer.alloc(3000));
  kcp.flush(false, 0);
  assert.deepEqual(take(out), []);
  kcp.flush(false, 100);
  assert.deepEqual(
    take(out).map((s) => s.sn),
    [0],
  );
});

test('flush returns min(interval, time to the earliest retransmission)', () => {
  const { kcp } = endpoint();
  assert.equal(kcp.flush(false, 0), 100, 'idle: interval');
  kcp.setNoDelay(0, 5000, 0, 1);
  kcp.send(Buffer.alloc(10));
  assert.equal(kcp.flush(false, 1000), 200, 'first RTO is 200 ms');
  assert.equal(kcp.flush(false, 1150), 50);
  assert.equal(kcp.flush(true, 1150), 5000, 'ACK-only flush returns the interval');
});

test('the sender never has more than min(snd_wnd, rmt_wnd) segments unacknowledged', () => {
  const { kcp, out } = endpoint();
  kcp.setMtu(100);
  kcp.setWindowSize(8, 32);
  kcp.send(Buffer.alloc(76 * 40));
  kcp.flush(false, 0);
  assert.deepEqual(
    take(out).map((s) => s.sn),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );

  // the peer shrinks its window to 3 without acking: nothing new may go out
  const wins = (una: number, wnd: number) => datagram({ cmd: KCP_CMD_WINS, una, wnd });
  let d = wins(0, 3);
  assert.equal(kcp.input(d, 0, d.length, 10), 0);
  assert.equal(kcp.rmtWnd, 3);
  kcp.flush(false, 10);
  assert.deepEqual(take(out), []);

  // una 2, window 5: 2 + 5 = 7 ≤ snd_nxt, still nothing new
  d = wins(2, 5);
  kcp.input(d, 0, d.length, 20);
  kcp.flush(false, 20);
  assert.deepEqual(take(out), []);
  assert.equal(kcp.sndUna, 2);

  // una 8, window 5: exactly sn 8..12 (sent by the flush that the una advance triggers)
  d = wins(8, 5);
  kcp.input(d, 0, d.length, 30);
  assert.deepEqual(
    take(out).map((s) => s.sn),
    [8, 9, 10, 11, 12],
  );
  assert.equal((kcp.sndNxt - kcp.sndUna) >>> 0, 5);
  assert.equal(kcp.waitSnd, 40 - 8);
});

test('a send budget bounds the new segments per flush; the rest goes out on later flushes, in order', () => {
  const { kcp, out } = endpoint();
  kcp.setMtu(100);
  kcp.setWindowSize(32, 32);
  kcp.send(Buffer.alloc(76 * 10));
  kcp.sendBudget = 4;
  kcp.flush(false, 0);
  assert.deepEqual(
    take(out).map((s) => s.sn),
    [0, 1, 2, 3],
  );
  assert.ok(kcp.budgetSpent);
  assert.equal(kcp.unsent, 6, 'the rest waits in snd_queue, not in the window');
  assert.equal(kcp.sndNxt, 4);
  // a spent budget sends nothing new, even when an ACK slides the window
  const ack = datagram({ cmd: KCP_CMD_ACK, sn: 0, una: 1, wnd: 32 });
  kcp.input(ack, 0, ack.length, 5);
  assert.deepEqual(take(out), []);
  kcp.sendBudget = 4;
  kcp.flush(false, 10);
  assert.deepEqual(
    take(out).map((s) => s.sn),
    [4, 5, 6, 7],
  );
  kcp.sendBudget = 4;
  kcp.flush(false, 20);
  assert.deepEqual(
    take(out).map((s) => s.sn),
    [8, 9],
  );
  assert.ok(!kcp.budgetSpent, 'the queue ran dry before the budget');
  assert.equal(kcp.unsent, 0);
});

test('wndCap lowers the advertised window; segments up to rcv_wnd are still accepted', () => {
  const { kcp, out } = endpoint();
  kcp.setWindowSize(32, 32);
  kcp.wndCap = 5;
  const far = datagram({ cmd: KCP_CMD_PUSH, sn: 20, una: 0, wnd: 32, data: Buffer.from('x') });
  kcp.input(far, 0, far.length, 0);
  kcp.flush(false, 0);
  const acks = take(out);
  assert.deepEqual(
    acks.map((s) => [s.cmd, s.sn, s.wnd]),
    [[KCP_CMD_ACK, 20, 5]],
  );
  assert.equal(kcp.rcvBufLength, 1, 'sn 20 is inside rcv_wnd 32 though outside the cap');
  kcp.wndCap = Number.POSITIVE_INFINITY;
  kcp.input(far, 0, far.length, 1);
  kcp.flush(false, 1);
  assert.equal(take(out)[0].wnd, 32);
});

test('zero receive window: WASK after 7 s then ×1.5, WINS replies, reading reopens the window', () => {
  const a = endpoint();
  const b = endpoint();
  a.kcp.setMtu(100);
  b.kcp.setMtu(100);
  b.kcp.setWindowSize(32, 4);

  a.kcp.send(Buffer.alloc(76 * 4, 7));
  a.kcp.flush(false, 0);
  deliver(a.out, b.kcp, 5);
  assert.equal(b.kcp.peekSize(), 76 * 4);
  b.kcp.flush(false, 5);
  const acks = b.out.flatMap(segments);
  assert.deepEqual(
    acks.map((s) => [s.cmd, s.wnd]),
    [[KCP_CMD_ACK, 0]],
    'one ACK (the filter drops those una covers), advertising a full window',
  );
  deliver(b.out, a.kcp, 10); // una advance: A flushes and starts the probe timer (10 + 7000)
  assert.equal(a.kcp.rmtWnd, 0);
  assert.equal(a.kcp.waitSnd, 0);

  a.kcp.send(Buffer.alloc(100, 8));
  a.kcp.flush(false, 20);
  a.kcp.flush(false, 7009);
  assert.deepEqual(take(a.out), [], 'no PUSH into a zero window, no probe before 7 s');
  assert.equal(a.kcp.waitSnd, 2);

  a.kcp.flush(false, 7010);
  const probe = a.out.flatMap(segments);
  assert.deepEqual(
    probe.map((s) => [s.cmd, s.len]),
    [[KCP_CMD_WASK, 0]],
  );
  deliver(a.out, b.kcp, 7015);
  b.kcp.flush(false, 7015);
  assert.deepEqual(
    take(b.out).map((s) => [s.cmd, s.wnd, s.una]),
    [[KCP_CMD_WINS, 0, 4]],
  );

  a.kcp.flush(false, 7010 + 10500 - 1);
  assert.deepEqual(take(a.out), []);
  a.kcp.flush(false, 7010 + 10500);
  assert.deepEqual(
    take(a.out).map((s) => s.cmd),
    [KCP_CMD_WASK],
    'second probe after 1.5 × 7000 ms',
  );

  const got = b.kcp.recv();
  assert.deepEqual(got, Buffer.alloc(76 * 4, 7));
  assert.equal(b.kcp.recv(), null);
  b.kcp.flush(false, 20000);
  assert.deepEqual(
    b.out.flatMap(segments).map((s) => [s.cmd, s.wnd]),
    [[KCP_CMD_WINS, 4]],
    'draining a full queue tells the window',
  );
  deliver(b.out, a.kcp, 20005);
  assert.equal(a.kcp.rmtWnd, 4);
  a.kcp.flush(false, 20005);
  assert.deepEqual(
    take(a.out).map((s) => [s.cmd, s.sn, s.len]),
    [
      [KCP_CMD_PUSH, 4, 76],
      [KCP_CMD_PUSH, 5, 24],
    ],
  );
});

test('receive: out-of-order segments are reassembled, duplicates counted, ACK filter keeps the last', () => {
  const { kcp, out } = endpoint();
  const push = (sn: number, text: string) => ({
    cmd: KCP_CMD_PUSH,
    sn,
    ts: 100 + sn,
    data: Buffer.from(text),
  });
  let d = datagram(push(2, 'cc'), push(5, 'ff'));
  assert.equal(kcp.input(d, 0, d.length, 0), 0);
  assert.equal(kcp.peekSize(), 0);
  assert.equal(kcp.recv(), null);

  const repeats = snmp.RepeatSegs;
  d = datagram(push(0, 'a'), push(2, 'cc'), push(1, 'bb'));
  kcp.input(d, 0, d.length, 1, { ackNoDelay: true }); // ackNoDelay: ACK-only flush
  assert.equal(snmp.RepeatSegs, repeats + 1);
  assert.equal(kcp.rcvNxt, 3);
  assert.equal(kcp.peekSize(), 5);
  // pending ACKs 2, 5, 0, 2, 1 with rcv_nxt 3: only 5 (≥ rcv_nxt) and the last one (1)
  assert.deepEqual(
    take(out).map((s) => [s.cmd, s.sn, s.ts, s.una]),
    [
      [KCP_CMD_ACK, 5, 105, 3],
      [KCP_CMD_ACK, 1, 101, 3],
    ],
  );
  assert.equal(kcp.recv()?.toString(), 'abbcc');
  assert.equal(kcp.peekSize(), 0);

  d = datagram(push(3, 'd'), push(4, 'e'));
  kcp.input(d, 0, d.length, 2);
  assert.equal(kcp.recv()?.toString(), 'deff');
  assert.equal(kcp.rcvNxt, 6);
  assert.equal(kcp.recv(), null);
});

test('RTT is sampled once per datagram from its last ACK, and only from regular input', () => {
  const { kcp, out } = endpoint();
  kcp.send(Buffer.alloc(3000));
  kcp.flush(false, 1000);
  const sent = take(out);
  assert.equal(sent.length, 3);

  let d = datagram({ cmd: KCP_CMD_ACK, sn: 0, ts: 1000 });
  kcp.input(d, 0, d.length, 1100, { recovered: true }); // FEC-recovered
  assert.equal(kcp.rto, 200);
  d = datagram({ cmd: KCP_CMD_ACK, sn: 1, ts: 900 }, { cmd: KCP_CMD_ACK, sn: 2, ts: 1000 });
  kcp.input(d, 0, d.length, 1100);
  assert.equal(kcp.rto, 300, 'srtt 100, rttvar 50: 100 + max(100, 200)');
});

test('conv mismatch returns -1, stops the datagram and changes nothing else', () => {
  const { kcp, out } = endpoint();
  kcp.send(Buffer.alloc(10));
  kcp.flush(false, 0);
  take(out);
  const state = () => [kcp.sndUna, kcp.sndNxt, kcp.rcvNxt, kcp.rmtWnd, kcp.waitSnd, kcp.peekSize(), kcp.rto];
  const before = state();
  const inSegs = snmp.InSegs;

  let d = datagram({ cmd: KCP_CMD_ACK, sn: 0, ts: 0, una: 1, wnd: 7, conv: CONV + 1 });
  assert.equal(kcp.input(d, 0, d.length, 10, { ackNoDelay: true }), KCP_INPUT_CONV_MISMATCH);
  assert.deepEqual(state(), before);
  kcp.flush(false, 10);
  assert.deepEqual(take(out), [], 'no ACK queued');
  assert.equal(snmp.InSegs, inSegs);

  // earlier segments of the same datagram stay applied, but the end-of-input flush does not happen
  d = datagram(
    { cmd: KCP_CMD_PUSH, sn: 0, wnd: 9, data: Buffer.from('ok') },
    { cmd: KCP_CMD_PUSH, sn: 1, data: Buffer.from('no'), conv: 99 },
  );
  assert.equal(kcp.input(d, 0, d.length, 20, { ackNoDelay: true }), KCP_INPUT_CONV_MISMATCH);
  assert.deepEqual(take(out), []);
  assert.equal(kcp.rmtWnd, 9);
  assert.equal(kcp.recv()?.toString(), 'ok');
});

test('malformed input returns an error code and never throws', () => {
  const { kcp, out } = endpoint();
  const push = datagram({ cmd: KCP_CMD_PUSH, sn: 0, data: Buffer.from('hello') });
  assert.equal(kcp.input(push, 0, 23, 0), KCP_INPUT_CONV_MISMATCH, 'shorter than a header (G561: -1)');
  assert.equal(kcp.input(push, 0, push.length - 1, 0), KCP_INPUT_SHORT, 'len past the end');
  assert.equal(kcp.input(push, 5, push.length, 0), KCP_INPUT_SHORT, 'range past the buffer');
  assert.equal(kcp.input(push, -1, 10, 0), KCP_INPUT_SHORT);
  assert.equal(kcp.input(Buffer.alloc(0), 0, 0, 0), KCP_INPUT_CONV_MISMATCH);
  for (const cmd of [0, 80, 85, 255]) {
    const d = datagram({ cmd });
    assert.equal(kcp.input(d, 0, d.length, 0), KCP_INPUT_BAD_CMD, `cmd ${cmd}`);
  }
  const huge = datagram({ cmd: KCP_CMD_PUSH });
  huge.writeUInt32LE(0xffffffff, 20);
  assert.equal(kcp.input(huge, 0, huge.length, 0), KCP_INPUT_SHORT);
  // trailing bytes shorter than a header are ignored
  const tail = Buffer.concat([push, Buffer.alloc(10)]);
  assert.equal(kcp.input(tail, 0, tail.length, 0), KCP_INPUT_OK);
  assert.equal(kcp.recv()?.toString(), 'hello');

  const rng = new Rng(42);
  const codes = new Set<number>();
  for (let i = 0; i < 20000; i++) {
    const d = rng.bytes(Math.floor(rng.next() * 200));
    if (d.length >= 4 && rng.next() < 0.7) d.writeUInt32LE(CONV, 0);
    if (d.length >= 5 && rng.next() < 0.7) d[4] = 81 + Math.floor(rng.next() * 4);
    if (d.length >= 24 && rng.next() < 0.5) d.writeUInt32LE(Math.floor(rng.next() * (d.length - 20)), 20);
    codes.add(kcp.input(d, 0, d.length, i, { recovered: rng.next() >= 0.5, ackNoDelay: rng.next() < 0.5 }));
    kcp.recv();
    if (i % 50 === 0) kcp.flush(false, i);
  }
  assert.deepEqual([...codes].sort(), [-1, -2, -3, 0]);
  out.length = 0;
});

test('release empties every queue', () => {
  const { kcp } = endpoint();
  kcp.send(Buffer.alloc(5000));
  kcp.flush(false, 0);
  kcp.send(Buffer.alloc(100));
  const d = datagram(
    { cmd: KCP_CMD_PUSH, sn: 0, data: Buffer.from('x') },
    { cmd: KCP_CMD_PUSH, sn: 2, data: Buffer.from('z') },
  );
  kcp.input(d, 0, d.length, 1);
  assert.equal(kcp.waitSnd, 5);
  assert.equal(kcp.peekSize(), 1);
  kcp.release();
  assert.equal(kcp.waitSnd, 0);
  assert.equal(kcp.peekSize(), 0);
  assert.equal(kcp.recv(), null);
});

test('thin-stream duplicates: a new segment of a thin stream goes out twice, the copy a quarter RTT later; bulk once', () => {
  const { kcp, out } = endpoint();
  kcp.setNoDelay(1, 10, 2, 1);
  kcp.enableThinStreamDuplicates();
  const pushes = () => take(out).filter((s) => s.cmd === KCP_CMD_PUSH);
  kcp.send(Buffer.from('request'));
  kcp.flush(false, 0);
  const first = pushes();
  assert.deepEqual(
    first.map((s) => [s.sn, s.data.toString()]),
    [[0, 'request']],
  );
  // no RTT measured yet: the copy follows one flush interval later, in a datagram of its own
  assert.equal(kcp.flush(false, 5), 5, 'the next flush is due when the copy is');
  assert.equal(pushes().length, 0);
  kcp.flush(false, 10);
  const copy = pushes();
  assert.deepEqual(
    copy.map((s) => [s.sn, s.data.toString()]),
    [[0, 'request']],
  );

  // a receiver acks both copies and delivers the data once
  const receiver = endpoint();
  for (const s of [...first, ...copy]) {
    const d = datagram(s);
    assert.equal(receiver.kcp.input(d, 0, d.length, 50), KCP_INPUT_OK);
  }
  assert.equal(receiver.kcp.recv()?.toString(), 'request');
  assert.equal(receiver.kcp.recv(), null);

  // with a round trip of 100 ms measured, the copy goes out 25 ms after the first
  const ack = datagram({ cmd: KCP_CMD_ACK, sn: 0, ts: 0, una: 1 });
  kcp.input(ack, 0, ack.length, 100);
  kcp.send(Buffer.from('next'));
  kcp.flush(false, 200);
  assert.equal(pushes().length, 1);
  kcp.flush(false, 224);
  assert.equal(pushes().length, 0);
  kcp.flush(false, 225);
  assert.deepEqual(
    pushes().map((s) => s.sn),
    [1],
  );
  // acknowledged before its copy was due: no copy
  kcp.send(Buffer.from('third'));
  kcp.flush(false, 300);
  assert.equal(pushes().length, 1);
  const ack2 = datagram({ cmd: KCP_CMD_ACK, sn: 2, ts: 300, una: 3 });
  kcp.input(ack2, 0, ack2.length, 310);
  kcp.flush(false, 330);
  assert.equal(pushes().length, 0);

  // a bulk write (more than 4 segments in snd_buf) goes out once per segment
  kcp.send(Buffer.alloc(kcp.mss * 8));
  kcp.flush(false, 400);
  kcp.flush(false, 500);
  const bulk = pushes();
  assert.equal(bulk.length, 8);
  assert.equal(new Set(bulk.map((s) => s.sn)).size, 8);
});

test('thin-stream duplicates: a request whose first datagrams a loss burst takes arrives before its RTO', () => {
  // 50 ms each way; every datagram sent in the 5 ms after the request is written is lost (a burst)
  const sender = endpoint();
  const receiver = endpoint();
  for (const e of [sender, receiver]) e.kcp.setNoDelay(1, 10, 2, 1);
  sender.kcp.enableThinStreamDuplicates();
  const inFlight: { at: number; to: Kcp; d: Buffer }[] = [];
  let burstFrom = -1;
  const ship = (from: Buffer[], to: Kcp, t: number) => {
    for (const d of from.splice(0)) {
      if (burstFrom < 0 || t < burstFrom || t >= burstFrom + 5) inFlight.push({ at: t + 50, to, d });
    }
  };
  let got = '';
  let gotAt = -1;
  const run = (from: number, to: number) => {
    for (let t = from; t < to; t++) {
      for (const p of inFlight.filter((q) => q.at === t)) p.to.input(p.d, 0, p.d.length, t);
      for (let b = receiver.kcp.recv(); b !== null; b = receiver.kcp.recv()) {
        got += b.toString();
        gotAt = t;
      }
      sender.kcp.flush(false, t);
      receiver.kcp.flush(false, t);
      ship(sender.out, receiver.kcp, t);
      ship(receiver.out, sender.kcp, t);
    }
  };
  // a first request and its ACK: the sender measures the round trip
  sender.kcp.send(Buffer.from('hello;'));
  run(0, 1000);
  assert.equal(got, 'hello;');
  burstFrom = 1000;
  sender.kcp.send(Buffer.from('request'));
  run(1000, 2000);
  assert.equal(got, 'hello;request');
  // the copy leaves ~25 ms after the burst began and arrives 50 ms later; back to back, both copies were
  // lost and the request waited for its RTO (srtt + its margin past 100 ms, and the 50 ms way)
  assert.ok(gotAt < 1000 + 100, `request delivered ${gotAt - 1000} ms after it was written`);
});

test('thin-stream duplicates are off unless enabled (kcptun modes send each segment once)', () => {
  const { kcp, out } = endpoint();
  kcp.send(Buffer.from('request'));
  kcp.flush(false, 0);
  assert.equal(take(out).filter((s) => s.cmd === KCP_CMD_PUSH).length, 1);
});

test('a retransmission is counted spurious when the ACK echoes an earlier transmission, not its own', () => {
  const { kcp, out } = endpoint();
  kcp.send(Buffer.alloc(2000)); // sn 0 and 1
  kcp.flush(false, 1000);
  assert.equal(take(out).length, 2);
  kcp.flush(false, 1300); // both past their RTO (200): retransmitted with ts 1300
  assert.equal(kcp.retransmittedSegs, 2);
  // sn 0: the first transmission arrived (ts 1000 echoed); sn 1: only the retransmission did
  const d = datagram({ cmd: KCP_CMD_ACK, sn: 0, ts: 1000 }, { cmd: KCP_CMD_ACK, sn: 1, ts: 1300 });
  kcp.input(d, 0, d.length, 1310);
  assert.equal(kcp.spuriousRetransmits, 1);
  // a second ACK of the same segment (a duplicate) counts nothing more
  kcp.input(d, 0, d.length, 1320);
  assert.equal(kcp.spuriousRetransmits, 1);
});
