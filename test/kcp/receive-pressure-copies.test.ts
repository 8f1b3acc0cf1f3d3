/**
 * -mode auto's copies (a thin stream's second copies, a tail's retransmission copies, the last flight's
 * copies) are not sent while the socket the peer's datagrams arrive on is under pressure: filling
 * (Kcp.holdTimeouts) or seen dropping at its full receive buffer within the last second (Kcp.receiveDropAt).
 * There the process is short, not the path: with Go's client dialling 1000 sessions, the server's copies
 * arrived as duplicates and drew ACKs into the overflowing socket
 * (docs/cpu-sessions-2026-12-07-sessions32.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_INPUT_OK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';
import { recordPushes } from './sent-pushes.js';

const CONV = 7;
/** The flush interval of both ends (fast3's, which -mode auto runs), ms. */
const INTERVAL = 10;
/** One-way delay of the simulated path, ms: no loss on it. */
const DELAY = 20;
/** The thin stream: REQUESTS writes of REQUEST_BYTES, one every REQUEST_GAP ms (a segment each). */
const REQUESTS = 20;
const REQUEST_BYTES = 500;
const REQUEST_GAP = 100;
/** How long after our socket's last drop copies stay off (Kcp's RECEIVE_PRESSURE_MS). */
const PRESSURE_MS = 1000;

type Pressure = 'none' | 'dropping' | 'filling';

/**
 * A thin stream from -mode auto's sender to a kcptun peer over a lossless path; while `pressured(t)`, the
 * sender's transport reports its socket as `pressure` says before each flush (as KcpSession does). Returns
 * the sns of the PUSHes the sender wrote, in order.
 */
function thinStream(pressure: Pressure, pressured: (t: number) => boolean = () => true): number[] {
  const { output, pushed } = recordPushes();
  const toReceiver: { at: number; d: Buffer }[] = [];
  const toSender: { at: number; d: Buffer }[] = [];
  let now = 0;
  const sender = new Kcp(CONV, (buf, len) => {
    output(buf, len);
    toReceiver.push({ at: now + DELAY, d: Buffer.from(buf.subarray(0, len)) });
  });
  sender.setNoDelay(1, INTERVAL, 2, 1);
  sender.setWindowSize(1024, 1024);
  sender.enableCongestionControl(1);
  sender.enableThinStreamDuplicates();
  sender.enableTailCopies();
  sender.enableLastFlightCopies();
  const receiver = new Kcp(CONV, (buf, len) => {
    toSender.push({ at: now + DELAY, d: Buffer.from(buf.subarray(0, len)) });
  });
  receiver.setNoDelay(1, INTERVAL, 2, 1);
  receiver.setWindowSize(1024, 1024);
  const deliver = (queue: { at: number; d: Buffer }[], to: Kcp): void => {
    while (queue.length > 0 && queue[0].at <= now) {
      const { d } = queue.shift()!;
      assert.equal(to.input(d, 0, d.length, now), KCP_INPUT_OK);
    }
  };
  let received = 0;
  const end = REQUESTS * REQUEST_GAP + 10 * DELAY;
  for (now = 0; now <= end; now++) {
    deliver(toReceiver, receiver);
    deliver(toSender, sender);
    for (let data = receiver.recv(); data !== null; data = receiver.recv()) received += data.length;
    if (now % REQUEST_GAP === 0 && now / REQUEST_GAP < REQUESTS) sender.send(Buffer.alloc(REQUEST_BYTES, 1));
    if (now % INTERVAL === 0) {
      if (pressured(now)) {
        if (pressure === 'dropping') sender.receiveDropAt = now;
        sender.holdTimeouts = pressure === 'filling';
      } else {
        sender.holdTimeouts = false;
      }
      sender.flush(false, now);
      receiver.flush(false, now);
    }
  }
  assert.equal(received, REQUESTS * REQUEST_BYTES, 'every request arrived');
  assert.equal(sender.waitSnd, 0, 'and was acknowledged');
  return pushed();
}

/** PUSHes beyond each segment's first. */
function duplicates(sns: number[]): number {
  return sns.length - new Set(sns).size;
}

test("a thin stream's segments go out twice while our socket is not under pressure", () => {
  assert.equal(duplicates(thinStream('none')), REQUESTS);
});

test('while our socket drops datagrams at its full receive buffer, a thin stream sends each segment once', () => {
  assert.equal(duplicates(thinStream('dropping')), 0);
});

test('while our socket is filling, a thin stream sends each segment once', () => {
  assert.equal(duplicates(thinStream('filling')), 0);
});

test("copies resume a second after our socket's last drop", () => {
  // drops until the 6th request (t = 500); from t = 1500 on, a second after the last drop, copies again
  const lastDrop = 5 * REQUEST_GAP;
  const sns = thinStream('dropping', (t) => t <= lastDrop);
  const copied = [...new Set(sns.filter((sn, i) => sns.indexOf(sn) !== i))];
  const firstCopied = Math.ceil((lastDrop + PRESSURE_MS) / REQUEST_GAP);
  assert.deepEqual(
    copied,
    Array.from({ length: REQUESTS - firstCopied }, (_, i) => firstCopied + i),
  );
});

test('a copy that came due after the pressure began is not sent', () => {
  const { output, pushed } = recordPushes();
  const kcp = new Kcp(CONV, output);
  kcp.setNoDelay(1, INTERVAL, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.enableCongestionControl(1);
  kcp.enableThinStreamDuplicates();
  kcp.send(Buffer.alloc(REQUEST_BYTES));
  kcp.flush(false, 0);
  assert.deepEqual(pushed(), [0]);
  kcp.receiveDropAt = 5;
  kcp.flush(false, INTERVAL);
  assert.deepEqual(pushed(), [], 'no copy (without the drop: test/kcp/kcp.test.ts, thin-stream duplicates)');
  // the first transmission arrived: its ACK ends the segment, nothing more is due
  const ack = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(ack, 0, CONV, KCP_CMD_ACK, 0, 1024, 0, 0, 1, 0);
  assert.equal(kcp.input(ack, 0, ack.length, 2 * DELAY), KCP_INPUT_OK);
  kcp.flush(false, 2 * DELAY + INTERVAL);
  assert.deepEqual(pushed(), []);
  assert.equal(kcp.waitSnd, 0);
});
