/**
 * DeliveryHolds: a socket held after its FIN, where Node would have closed it, is closed once its FIN was
 * acknowledged, once it is no TCP socket, or at its deadline; time is an argument.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeliveryHolds, finAcknowledged, MAX_HELD_SOCKETS } from '../../src/tunnel/delivery-hold.js';

/** Linux's TCP states (include/net/tcp_states.h). */
const TCP = { FIN_WAIT1: 4, FIN_WAIT2: 5, TIME_WAIT: 6, CLOSE: 7, LAST_ACK: 9, CLOSING: 11 } as const;

/** Sockets (numbers here) with a settable TCP state (absent: not a TCP socket), and those closed. */
function fakeSockets() {
  const states = new Map<number, number>();
  const closed: number[] = [];
  return {
    states,
    closed,
    sockets: {
      tcpState: (fd: number) => states.get(fd) ?? -1,
      close: (fd: number) => {
        closed.push(fd);
      },
    },
  };
}

describe('DeliveryHolds', () => {
  test('our FIN is acknowledged in FIN_WAIT2, TIME_WAIT and CLOSE; not in FIN_WAIT1, LAST_ACK or CLOSING', () => {
    for (const state of [TCP.FIN_WAIT2, TCP.TIME_WAIT, TCP.CLOSE]) assert.equal(finAcknowledged(state), true);
    for (const state of [TCP.FIN_WAIT1, TCP.LAST_ACK, TCP.CLOSING])
      assert.equal(finAcknowledged(state), false);
  });

  test('a socket is held while its FIN is unacknowledged, and closed at the first check after', () => {
    const { states, closed, sockets } = fakeSockets();
    const holds = new DeliveryHolds(sockets);
    states.set(10, TCP.LAST_ACK);
    states.set(11, TCP.FIN_WAIT1);
    holds.add(10, 1000);
    holds.add(11, 1000);
    holds.check(100);
    assert.deepEqual(closed, []);
    assert.equal(holds.size, 2);
    states.set(10, TCP.CLOSE);
    holds.check(200);
    assert.deepEqual(closed, [10]);
    states.set(11, TCP.FIN_WAIT2);
    holds.check(300);
    assert.deepEqual(closed, [10, 11]);
    assert.equal(holds.size, 0);
  });

  test('a socket whose FIN is never acknowledged is closed at its deadline, not before', () => {
    const { states, closed, sockets } = fakeSockets();
    const holds = new DeliveryHolds(sockets);
    states.set(10, TCP.LAST_ACK);
    holds.add(10, 1000);
    holds.check(999);
    assert.deepEqual(closed, []);
    holds.check(1000);
    assert.deepEqual(closed, [10]);
  });

  test('a descriptor that is no TCP socket any more is closed', () => {
    const { closed, sockets } = fakeSockets();
    const holds = new DeliveryHolds(sockets);
    holds.add(10, 1000);
    holds.check(0);
    assert.deepEqual(closed, [10]);
  });

  test(`holds at most ${MAX_HELD_SOCKETS} sockets at once`, () => {
    const { states, sockets } = fakeSockets();
    const holds = new DeliveryHolds(sockets);
    for (let fd = 0; fd < MAX_HELD_SOCKETS; fd++) {
      assert.equal(holds.full, false);
      states.set(fd, TCP.LAST_ACK);
      holds.add(fd, 1000);
    }
    assert.equal(holds.full, true);
    assert.equal(holds.size, MAX_HELD_SOCKETS);
    states.set(0, TCP.CLOSE);
    holds.check(0);
    assert.equal(holds.full, false);
  });
});
