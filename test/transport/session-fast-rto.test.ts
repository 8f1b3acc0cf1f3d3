import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snmp } from '../../src/metrics/snmp.js';
import { Scheduler } from '../../src/transport/scheduler.js';
import { type DatagramLink, KcpSession } from '../../src/transport/session.js';
import { options } from './session-cases.js';

/** One-way delay of the simulated path, ms. */
const DELAY_MS = 50;
/** The bottleneck forwards one full datagram per ms (~11 Mbit/s): a flight of N datagrams queues N ms. */
const BYTES_PER_MS = 1400;
/** Small writes whose round trips give the sender an RTT estimate of the idle path first. */
const PRIMES = 8;
/** The flight: several times the idle RTT's worth of the bottleneck, as a fast3 window far above the BDP sends. */
const FLIGHT_SEGMENTS = 400;

/** Datagrams on their way through a path of DELAY_MS, queued at a bottleneck of BYTES_PER_MS when `rated`. */
class PathLink implements DatagramLink {
  readonly remote = 'path';
  readonly inFlight: { at: number; data: Buffer }[] = [];
  private busyUntil = 0;
  constructor(
    private readonly clock: () => number,
    private readonly rated: boolean,
  ) {}
  claim(): Buffer {
    return Buffer.alloc(1500);
  }
  send(buf: Buffer, len: number): void {
    const now = this.clock();
    let at = now + DELAY_MS;
    if (this.rated) {
      this.busyUntil = Math.max(this.busyUntil, now) + len / BYTES_PER_MS;
      at = Math.ceil(this.busyUntil) + DELAY_MS;
    }
    this.inFlight.push({ at, data: Buffer.from(buf.subarray(0, len)) });
  }
  release(): void {}
  /** Hand `to` the datagrams due by `now`, in order. */
  deliver(now: number, to: KcpSession): void {
    while (this.inFlight.length > 0 && this.inFlight[0].at <= now) {
      const data = this.inFlight.shift()!.data;
      to.input(data, data.length);
    }
  }
}

/**
 * A fast3 session (no loss anywhere) sends PRIMES small writes one round trip apart, then a flight of
 * FLIGHT_SEGMENTS at once into the bottleneck, whose queue delays each datagram of it a ms more than the one
 * before; returns the RTO retransmissions (snmp.LostSegs) until the peer has it all.
 */
function timeoutsOfFlight(): number {
  let now = 0;
  const clock = () => now;
  const scheduler = new Scheduler({ drive: 'manual', now: clock });
  const toReceiver = new PathLink(clock, true);
  const toSender = new PathLink(clock, false);
  // the sender dials (a server session waits for its peer to prove its address: amplification.ts)
  const sender = new KcpSession(1, { ...options(false, 'none'), scheduler }, toReceiver, { active: true });
  const receiver = new KcpSession(1, { ...options(false, 'none'), scheduler }, toSender, { active: false });
  let received = 0;
  receiver.attach({ onData: (data) => (received += data.length), onDrain: () => {}, onClose: () => {} });
  const step = (until: number) => {
    while (now < until) {
      now++;
      toReceiver.deliver(now, receiver);
      toSender.deliver(now, sender);
      scheduler.run();
    }
  };
  for (let i = 0; i < PRIMES; i++) {
    sender.write(Buffer.alloc(100));
    scheduler.run();
    step(now + 2 * DELAY_MS + 20);
  }
  const flight = Buffer.alloc(FLIGHT_SEGMENTS * 1200);
  const lostBefore = snmp.LostSegs;
  let written = 0;
  const total = PRIMES * 100 + flight.length;
  while (received < total && now < 20_000) {
    // the writer keeps the session's queue full, as smux does
    let open = true;
    while (open && written < flight.length) {
      open = sender.write(flight.subarray(written, written + 1200));
      written += 1200;
    }
    step(now + 1);
  }
  assert.equal(received, total);
  const timeouts = snmp.LostSegs - lostBefore;
  sender.close();
  receiver.close();
  return timeouts;
}

test('fast3: a flight into a queue is not resent on timeout while the ACKs show the queue growing', () => {
  // kcp-go fixes these segments' timeouts from the idle path's round trips as they go out, and each one's
  // ACK comes later than the last: with those timeouts the flight's tail went out again, for nothing
  assert.equal(timeoutsOfFlight(), 0);
});
