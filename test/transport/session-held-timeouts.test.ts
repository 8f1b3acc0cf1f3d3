import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scheduler } from '../../src/transport/scheduler.js';
import { type DatagramLink, KcpSession } from '../../src/transport/session.js';
import { options } from './session-cases.js';

/** A link whose peer never answers, counting the datagrams sent, with the receive queue's state settable. */
class SilentLink implements DatagramLink {
  readonly remote = 'nowhere';
  sent = 0;
  receiveFilling = false;
  claim(): Buffer {
    return Buffer.alloc(1500);
  }
  send(): void {
    this.sent++;
  }
  release(): void {}
}

/** When (ms after the write) a session's one unacknowledged datagram is first sent again. */
function firstResendAfter(filling: boolean): number {
  let now = 0;
  const scheduler = new Scheduler({ drive: 'manual', now: () => now });
  const link = new SilentLink();
  link.receiveFilling = filling;
  const session = new KcpSession(1, { ...options(false, 'none'), scheduler }, link, { active: true });
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

test("a session's timeouts wait one more RTO while its link's receive queue is filling", () => {
  const plain = firstResendAfter(false);
  const held = firstResendAfter(true);
  assert.ok(plain > 0 && plain < 1000, `resent after ${plain} ms`);
  assert.equal(held, 2 * plain);
});
