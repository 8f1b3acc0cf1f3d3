import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_WINS, KCP_INPUT_OK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';

/**
 * A una from a datagram whose sender never saw what we sent (a forged source address, a stray datagram)
 * cannot acknowledge any of it (src/kcp/kcp.ts parseUna): our sns start at 0, and kcp-go's parse_una
 * takes una = 0x7fffffff as every segment in flight acknowledged.
 */

const CONV = 7;

/** A Kcp that has sent `count` one-byte segments at `now` (one flush each: stream mode would join them). */
function sender(count: number, now: number): Kcp {
  const kcp = new Kcp(CONV, () => {});
  kcp.setNoDelay(1, 10, 2, 1);
  for (let i = 0; i < count; i++) {
    kcp.send(Buffer.from([i]));
    kcp.flush(false, now);
  }
  return kcp;
}

/** A WINS segment alone, as a datagram, carrying `una`. */
function windowTell(una: number): Buffer {
  const b = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(b, 0, CONV, KCP_CMD_WINS, 0, 128, 0, 0, una, 0);
  return b;
}

test('a una beyond snd_nxt acknowledges nothing (kcp-go would drop everything in flight)', () => {
  const kcp = sender(3, 1000);
  assert.equal(kcp.waitSnd, 3);
  for (const una of [0x7fffffff, 4, 1000]) {
    const d = windowTell(una);
    assert.equal(kcp.input(d, 0, d.length, 1001), KCP_INPUT_OK);
    assert.equal(kcp.waitSnd, 3, `una ${una} left the segments in flight`);
  }
  // una = snd_nxt is every segment sent: a peer's real una
  const d = windowTell(3);
  kcp.input(d, 0, d.length, 1002);
  assert.equal(kcp.waitSnd, 0);
});
