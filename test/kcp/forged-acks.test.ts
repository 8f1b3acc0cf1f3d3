import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createSegmentHeader,
  KCP_CMD_ACK,
  KCP_CMD_PUSH,
  KCP_CMD_WINS,
  KCP_INPUT_OK,
  KCP_OVERHEAD,
  Kcp,
  readSegmentHeader,
  writeSegmentHeader,
} from '../../src/kcp/index.js';

/**
 * What a datagram from a forged source address can and cannot do to a sender (src/kcp/kcp.ts peerEchoed,
 * parseUna; docs/forged-address-2026-12-07-amp36.md): its sender never sees what we send.
 */

const CONV = 7;

/** A Kcp that has sent `count` one-byte segments at `now`, and the ts its datagram carried for each. */
function sender(count: number, now: number, tsOffset = 0): { kcp: Kcp; wireTs: number[] } {
  const out: Buffer[] = [];
  const kcp = new Kcp(CONV, (buf, len) => out.push(Buffer.from(buf.subarray(0, len))));
  kcp.setNoDelay(1, 10, 2, 1);
  if (tsOffset !== 0) kcp.setTsOffset(tsOffset);
  // one flush each: a stream-mode Kcp (kcptun's) would join the bytes into one segment
  for (let i = 0; i < count; i++) {
    kcp.send(Buffer.from([i]));
    kcp.flush(false, now);
  }
  const wireTs: number[] = [];
  const h = createSegmentHeader();
  for (const d of out) {
    for (let p = 0; p + KCP_OVERHEAD <= d.length; p += KCP_OVERHEAD + h.len) {
      readSegmentHeader(d, p, h);
      if (h.cmd === KCP_CMD_PUSH) wireTs.push(h.ts);
    }
  }
  assert.equal(wireTs.length, count);
  return { kcp, wireTs };
}

/** One segment header alone, as a datagram. */
function segment(cmd: number, ts: number, sn: number, una: number): Buffer {
  const b = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(b, 0, CONV, cmd, 0, 128, ts, sn, una, 0);
  return b;
}

test('a una beyond snd_nxt acknowledges nothing (kcp-go would drop everything in flight)', () => {
  const { kcp } = sender(3, 1000);
  assert.equal(kcp.waitSnd, 3);
  for (const una of [0x7fffffff, 4, 1000]) {
    const d = segment(KCP_CMD_WINS, 0, 0, una);
    assert.equal(kcp.input(d, 0, d.length, 1001), KCP_INPUT_OK);
    assert.equal(kcp.waitSnd, 3, `una ${una} left the segments in flight`);
  }
  // una = snd_nxt is every segment sent: a peer's real una
  const d = segment(KCP_CMD_WINS, 0, 0, 3);
  kcp.input(d, 0, d.length, 1002);
  assert.equal(kcp.waitSnd, 0);
});

test('only an ACK echoing the ts of a transmission proves the address, not a una or a guessed ts', () => {
  const offset = 0x9e3779b9;
  const now = 5000;
  const { kcp, wireTs } = sender(3, now, offset);
  assert.equal(wireTs[0], (now + offset) >>> 0, 'the ts sent carries the offset');
  // a una covering a segment, and ACKs whose ts is our clock (no offset) or a sn never sent
  const forged = [
    segment(KCP_CMD_WINS, 0, 0, 1),
    segment(KCP_CMD_ACK, now, 1, 0),
    segment(KCP_CMD_ACK, (now + offset + 1) >>> 0, 1, 0),
    segment(KCP_CMD_ACK, wireTs[0], 3, 0),
  ];
  for (const d of forged) {
    kcp.input(d, 0, d.length, now + 1);
    assert.equal(kcp.peerEchoed, false);
  }
  const genuine = segment(KCP_CMD_ACK, wireTs[2], 2, 1);
  kcp.input(genuine, 0, genuine.length, now + 20);
  assert.equal(kcp.peerEchoed, true);
});

test("an ACK of a segment's earlier transmission proves the address too (a round trip longer than the RTO)", () => {
  const now = 100;
  const { kcp, wireTs } = sender(1, now, 12345);
  // the segment times out and goes again (its ts then is the later one)
  kcp.flush(false, now + 5000);
  const ack = segment(KCP_CMD_ACK, wireTs[0], 0, 1);
  kcp.input(ack, 0, ack.length, now + 5010);
  assert.equal(kcp.peerEchoed, true);
});

test('under an allowance the first segment is cut to fit it, the rest waits, and goes once the peer echoes', () => {
  const out: Buffer[] = [];
  // the owner spends the allowance as datagrams go out
  const kcp: Kcp = new Kcp(CONV, (buf, len) => {
    out.push(Buffer.from(buf.subarray(0, len)));
    kcp.sendAllowance -= len;
  });
  kcp.setNoDelay(1, 10, 2, 1);
  kcp.sendAllowance = 300;
  kcp.send(Buffer.alloc(500, 1));
  kcp.flush(false, 0);
  const h = createSegmentHeader();
  assert.equal(out.length, 1);
  readSegmentHeader(out[0], 0, h);
  // a third of the allowance: room is kept for two more transmissions of it (UNPROVEN_RESENDS)
  assert.deepEqual([out[0].length, h.sn, h.len], [100, 0, 100 - KCP_OVERHEAD]);
  out.length = 0;
  // due again later: sent again twice, the rest still waits; then nothing goes, the allowance is spent
  for (const at of [1000, 3000, 6000]) kcp.flush(false, at);
  assert.deepEqual(
    out.map((d) => d.length),
    [100, 100],
  );
  out.length = 0;
  const ack = segment(KCP_CMD_ACK, h.ts, 0, 1);
  kcp.input(ack, 0, ack.length, 6010);
  kcp.flush(false, 6011);
  assert.equal(kcp.peerEchoed, true);
  const rest = out.flatMap((d) => {
    readSegmentHeader(d, 0, h);
    return h.cmd === KCP_CMD_PUSH ? [[h.sn, h.len]] : [];
  });
  assert.deepEqual(rest, [[1, 500 - (100 - KCP_OVERHEAD)]]);
});
