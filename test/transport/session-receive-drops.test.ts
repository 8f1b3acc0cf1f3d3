import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scheduler } from '../../src/transport/scheduler.js';
import { type DatagramLink, KcpSession } from '../../src/transport/session.js';
import { options } from './session-cases.js';

/** Datagrams of a full segment each that the session sends at once. */
const FLIGHT = 4;

/** A link whose peer never answers, counting the datagrams sent, with its socket's drop count settable. */
class SilentLink implements DatagramLink {
  readonly remote = 'nowhere';
  sent = 0;
  receiveDrops = 0;
  claim(): Buffer {
    return Buffer.alloc(1500);
  }
  send(): void {
    this.sent++;
  }
  release(): void {}
}

/** Datagrams sent by the first timeout of a flight, when the link's socket dropped `drops` after it left. */
function firstTimeoutSends(drops: number): number {
  let now = 0;
  const scheduler = new Scheduler({ drive: 'manual', now: () => now });
  const link = new SilentLink();
  link.receiveDrops = 1000; // drops before the session opened are no news to it
  const session = new KcpSession(1, { ...options(false, 'none'), scheduler }, link, { active: true });
  session.write(Buffer.alloc(1200 * FLIGHT));
  scheduler.run();
  assert.equal(link.sent, FLIGHT);
  link.receiveDrops += drops;
  while (link.sent === FLIGHT && now < 5000) {
    now += 1;
    scheduler.run();
  }
  session.close();
  return link.sent - FLIGHT;
}

test("after its link's socket dropped datagrams, a session's timeout sends one segment of the flight", () => {
  assert.equal(firstTimeoutSends(0), FLIGHT);
  assert.equal(firstTimeoutSends(5), 1);
});
