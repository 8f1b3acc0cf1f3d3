import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { snmp } from '../../src/metrics/snmp.js';
import type { ByteConnection } from '../../src/transport/conn.js';
import { dialSession } from '../../src/transport/dial.js';
import { KcpListener } from '../../src/transport/listener.js';
import { mmsgSupported } from '../../src/transport/mmsg-io.js';
import type { DatagramLink, SessionOptions } from '../../src/transport/session.js';
import { until } from '../support/deadline.js';
import { JunkSpray } from '../support/junk-spray.js';
import { UdpRelay } from '../support/udp-relay.js';

const PASS = deriveKey("it's a secrect");

/**
 * Junk datagrams a second in the garbage test: a flood the listener reads with room to spare, so that the
 * test sees how junk is handled, not whether the socket's buffer overflows (the kernel then drops the
 * session's datagrams with the junk, which no receiver can prevent; KCP resends them). Refusing one costs
 * 6-8 µs through dgram and ~2 µs batched on the 2-core VM under load, so 2000 a second take ~1.5 % of a
 * core; a 50 ms pause of the reader queues 100 of them, ~280 KB with the kernel's overhead per datagram,
 * within the 416 KiB the kernel's default limit (net.core.rmem_max 212992, doubled) leaves the socket
 * (docs/sturdiness-garbage-flood-2026-12-06-garbage27.md).
 */
const JUNK_PER_SECOND = 2000;

/** Datagrams a session sent, kept until the test delivers them. */
export class QueueLink implements DatagramLink {
  readonly remote = 'queued';
  readonly queue: Buffer[] = [];
  claim(): Buffer {
    return Buffer.alloc(1500);
  }
  send(buf: Buffer, len: number): void {
    this.queue.push(Buffer.from(buf.subarray(0, len)));
  }
  release(): void {}
}

/**
 * What the tunnel's server writes as each session opens (src/tunnel/server.ts), smux's 8-byte NOP: its
 * client's ACK of it proves the client's address (src/transport/amplification.ts), after which the
 * server sends its FEC parity and shape. Written at once, it leaves with the server's first flush after
 * the client's first datagram.
 */
export const TUNNEL_SERVER_NOP = Buffer.alloc(8);

/** The sessions' settings: fast-mode KCP, windows of 1024, FEC 10/3 or none. */
export function options(fec: boolean, crypt = 'aes'): SessionOptions {
  return {
    crypt: createPacketCrypt(crypt, PASS).crypt,
    dataShards: fec ? 10 : 0,
    parityShards: fec ? 3 : 0,
    mtu: 1350,
    sndWnd: 1024,
    rcvWnd: 1024,
    nodelay: 1,
    interval: 10,
    resend: 2,
    nc: 1,
    ackNoDelay: false,
  };
}

/** Drives one ByteConnection: sends `data` with backpressure, hashes what arrives until `expect` bytes. */
class Endpoint {
  private readonly hash = createHash('sha256');
  private got = 0;
  private sendOffset = 0;
  private resolveDone: ((digest: string) => void) | null = null;
  readonly done: Promise<string>;

  constructor(
    private readonly conn: ByteConnection,
    private readonly data: Buffer,
    private readonly expect: number,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    conn.attach({
      onData: (chunk) => {
        this.hash.update(chunk);
        this.got += chunk.length;
        if (this.got === this.expect) this.resolveDone?.(this.hash.digest('hex'));
      },
      onDrain: () => this.pump(),
      onClose: () => {},
    });
    this.pump();
  }

  private pump(): void {
    while (this.sendOffset < this.data.length) {
      const end = Math.min(this.sendOffset + 8192, this.data.length);
      // the connection owns what it is given, so hand over a copy of each slice
      const ok = this.conn.write(Buffer.from(this.data.subarray(this.sendOffset, end)));
      this.sendOffset = end;
      if (!ok) return;
    }
  }
}

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Reads `expect` bytes from `conn` and resolves with their sha256. */
export function receive(conn: ByteConnection, expect: number): Promise<string> {
  const hash = createHash('sha256');
  let got = 0;
  return new Promise((resolve) => {
    conn.attach({
      onData: (chunk) => {
        hash.update(chunk);
        got += chunk.length;
        if (got === expect) resolve(hash.digest('hex'));
      },
      onDrain: () => {},
      onClose: () => {},
    });
  });
}

/** The datagram I/O the scenarios expect: dgram when batching is switched off, else the platform's best. */
export type ExpectedIo = 'dgram' | 'default';

/** What a transfer went through: the relay (with its drop count) and the listener's I/O class. */
interface TransferResult {
  relay: UdpRelay | null;
  io: string;
}

async function transfer(fec: boolean, loss: number, bytes: number): Promise<TransferResult> {
  const up = randomBytes(bytes);
  const down = randomBytes(bytes);
  let serverEnd: Endpoint | null = null;
  let serverReady: () => void = () => {};
  const serverStarted = new Promise<void>((r) => {
    serverReady = r;
  });
  const listener = await KcpListener.listen(
    '127.0.0.1',
    0,
    { ...options(fec), sockbuf: 4 << 20, maxSessions: 16 },
    (s) => {
      serverEnd = new Endpoint(s, down, bytes);
      serverReady();
    },
  );
  const relay = loss > 0 ? await UdpRelay.start(listener.port, { dropUp: loss, dropDown: loss }) : null;
  const session = await dialSession('127.0.0.1', relay ? relay.port : listener.port, {
    ...options(fec),
    sockbuf: 4 << 20,
  });
  try {
    const clientEnd = new Endpoint(session, up, bytes);
    await serverStarted;
    const [atServer, atClient] = await Promise.all([serverEnd!.done, clientEnd.done]);
    assert.equal(atServer, sha(up));
    assert.equal(atClient, sha(down));
  } finally {
    session.close();
    listener.close();
    relay?.close();
  }
  return { relay, io: listener.io.constructor.name };
}

/** The I/O class `expected` means on this machine. */
function expectedIoClass(expected: ExpectedIo): string {
  return expected === 'dgram' || mmsgSupported() !== true ? 'DgramIo' : 'MmsgIo';
}

/** The session scenarios, under `title` (run once per datagram I/O). */
export function describeSessionTests(title: string, expectedIo: ExpectedIo): void {
  describe(title, () => {
    test('20 MB each way, FEC 10/3, 10% loss each way', { timeout: 120_000 }, async () => {
      const recoveredBefore = snmp.FECRecovered;
      const { relay, io } = await transfer(true, 0.1, 20 << 20);
      assert.equal(io, expectedIoClass(expectedIo), 'the datagram I/O under test');
      assert.ok(relay!.dropped > 1000, `${relay!.dropped} datagrams dropped`);
      assert.ok(snmp.FECRecovered > recoveredBefore, 'FEC recovered some of the losses');
    });

    test('20 MB each way, FEC off, 10% loss each way', { timeout: 120_000 }, async () => {
      const retransBefore = snmp.RetransSegs;
      const recoveredBefore = snmp.FECRecovered;
      const { relay, io } = await transfer(false, 0.1, 20 << 20);
      assert.equal(io, expectedIoClass(expectedIo), 'the datagram I/O under test');
      assert.ok(relay!.dropped > 1000, `${relay!.dropped} datagrams dropped`);
      assert.ok(snmp.RetransSegs - retransBefore > 1000, 'KCP retransmitted what was lost');
      assert.equal(snmp.FECRecovered, recoveredBefore, 'no FEC in this run');
    });

    test('garbage datagrams do not disturb a listener or its live session', { timeout: 60_000 }, async () => {
      const bytes = 4 << 20;
      const up = randomBytes(bytes);
      const down = randomBytes(bytes);
      let opened = 0;
      let serverEnd: Endpoint | null = null;
      let serverReady: (end: Endpoint) => void = () => {};
      const serverStarted = new Promise<Endpoint>((r) => {
        serverReady = r;
      });
      const listener = await KcpListener.listen(
        '127.0.0.1',
        0,
        { ...options(true), sockbuf: 1 << 20, maxSessions: 64 },
        (s) => {
          opened++;
          if (serverEnd !== null) return;
          serverEnd = new Endpoint(s, down, bytes);
          serverReady(serverEnd);
        },
      );
      const refusedBefore = snmp.InCsumErrors;
      const spray = await JunkSpray.start(listener.port, JUNK_PER_SECOND);
      const session = await dialSession('127.0.0.1', listener.port, { ...options(true), sockbuf: 1 << 20 });
      try {
        const clientEnd = new Endpoint(session, up, bytes);
        const [atServer, atClient] = await Promise.all([(await serverStarted).done, clientEnd.done]);
        assert.equal(atServer, sha(up));
        assert.equal(atClient, sha(down));
        // a fast transfer (4 MiB each way in ~130 ms) may end before 100 junk datagrams were read: the spray
        // goes on against the live session until they are
        await until(() => snmp.InCsumErrors - refusedBefore > 100, {
          what: '100 junk datagrams read and refused',
        });
        assert.ok(spray.sent > 100, `${spray.sent} junk datagrams sent`);
        assert.equal(opened, 1, 'junk opened no session');
      } finally {
        await spray.stop();
        session.close();
        listener.close();
      }
    });
  });
}
