/**
 * A -mode auto session's pacer against its controller's rate: the controller counts KCP segments (header
 * and payload), the pacer's bucket the datagrams on the wire, which carry the FEC and crypt headers on
 * top of them. Two sessions on one manual scheduler, the sender's datagrams through a bottleneck queue.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scheduler } from '../../src/transport/scheduler.js';
import { type DatagramLink, KcpSession } from '../../src/transport/session.js';
import { options } from './session-cases.js';

/** The bottleneck: wire bytes per ms (8 Mbit/s), with a queue deep enough never to drop. */
const RATE = 1000;
const ONE_WAY_MS = 20;
const RUN_MS = 8000;
/** Past Startup and Drain (~0.5 s here): ProbeBW's gain cycles. */
const MEASURE_FROM_MS = 2000;

/** Datagrams on their way, delivered when due. */
class PathLink implements DatagramLink {
  readonly remote = 'path';
  private readonly due: { at: number; data: Buffer }[] = [];
  private busyUntil = 0;
  /** KCP bytes of the data datagrams sent from `countFrom` on. */
  kcpBytes = 0;
  countFrom = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: { now: number },
    private readonly rate: number,
    private readonly headerBytes: number,
  ) {}

  claim(): Buffer {
    return Buffer.alloc(1500);
  }

  send(buf: Buffer, len: number): void {
    const now = this.clock.now;
    let at = now + ONE_WAY_MS;
    if (this.rate > 0) {
      this.busyUntil = Math.max(this.busyUntil, now) + len / this.rate;
      at = Math.ceil(this.busyUntil) + ONE_WAY_MS;
    }
    if (now >= this.countFrom && len > this.headerBytes + 100) this.kcpBytes += len - this.headerBytes;
    this.due.push({ at, data: Buffer.from(buf.subarray(0, len)) });
  }

  release(): void {}

  deliver(to: KcpSession): void {
    while (this.due.length > 0 && this.due[0].at <= this.clock.now) {
      const { data } = this.due.shift()!;
      to.input(data, data.length);
    }
  }
}

test('a -mode auto sender puts its controller rate of KCP segments on the wire, the headers on top', () => {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  const base = { ...options(false), scheduler };
  const auto = { congestion: true, windows: true, fec: false };
  // kcptun's default crypt: a 16-byte nonce and a 4-byte checksum in front of each segment
  const headerBytes = 20;
  const toServer = new PathLink(clock, RATE, headerBytes);
  const toClient = new PathLink(clock, 0, headerBytes);
  const client = new KcpSession(1, { ...base, auto }, toServer, { active: true });
  const server = new KcpSession(1, { ...base, auto }, toClient, { active: false });
  server.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  const chunk = Buffer.alloc(64 * 1024, 7);
  const pump = (): void => {
    while (client.write(chunk)) {}
  };
  client.attach({ onData: () => {}, onDrain: pump, onClose: () => {} });
  pump();
  toServer.countFrom = MEASURE_FROM_MS;
  /** The controller's pacing rate integrated over the measured ms: KCP bytes it allowed. */
  let allowed = 0;
  for (; clock.now < RUN_MS; clock.now++) {
    toServer.deliver(server);
    toClient.deliver(client);
    scheduler.run();
    const cc = client.congestion;
    assert.ok(cc !== null);
    if (clock.now >= MEASURE_FROM_MS) allowed += cc.pacingRate / 1000;
  }
  assert.equal(client.congestion?.state, 'probe-bw');
  // held back by its pacer alone, the sender sent what the rate allowed, less the bucket's burst at most
  // (~1 % here); counting the headers against the rate, 1330 / 1350 of it
  const share = toServer.kcpBytes / allowed;
  assert.ok(share >= 0.99 && share <= 1.01, `KCP bytes sent / allowed ${share.toFixed(4)}`);
});
