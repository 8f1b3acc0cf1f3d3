import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RtoSeed } from '../../src/kcp/index.js';
import { Scheduler } from '../../src/transport/scheduler.js';
import { type DatagramLink, KcpSession } from '../../src/transport/session.js';
import { options } from './session-cases.js';

/** A link whose peer never answers, counting the datagrams sent, with the host's RTO seed settable. */
class SilentLink implements DatagramLink {
  readonly remote = 'nowhere';
  sent = 0;
  constructor(readonly rtoSeed: RtoSeed | null) {}
  claim(): Buffer {
    return Buffer.alloc(1500);
  }
  send(): void {
    this.sent++;
  }
  release(): void {}
}

/** When (ms after the write) a session's one unacknowledged datagram is first sent again. */
function firstResendAfter(seed: RtoSeed | null): number {
  let now = 0;
  const scheduler = new Scheduler({ drive: 'manual', now: () => now });
  const link = new SilentLink(seed);
  const session = new KcpSession(1, { ...options(false, 'none'), scheduler }, link, { active: false });
  session.write(Buffer.from('data'));
  scheduler.run();
  assert.equal(link.sent, 1);
  while (link.sent === 1 && now < 5000) {
    now += 1;
    scheduler.run();
  }
  session.close();
  return now;
}

test("a session's first flight times out at the RTO its link's host seed holds", () => {
  const plain = firstResendAfter(null);
  const seed = new RtoSeed();
  seed.rto = 3 * plain;
  assert.ok(plain > 0 && plain < 1000, `resent after ${plain} ms`);
  assert.equal(firstResendAfter(seed), 3 * plain);
});
