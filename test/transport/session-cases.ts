import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { snmp } from '../../src/metrics/snmp.js';
import type { ByteConnection } from '../../src/transport/conn.js';
import { dialSession } from '../../src/transport/dial.js';
import { KcpListener } from '../../src/transport/listener.js';
import { mmsgSupported } from '../../src/transport/mmsg-io.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { UdpRelay } from '../support/udp-relay.js';

const PASS = deriveKey("it's a secrect");

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

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

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
      const junk = dgram.createSocket('udp4');
      let stop = false;
      let sent = 0;
      const listenerPromise = transferWithJunk();
      async function transferWithJunk(): Promise<void> {
        const bytes = 4 << 20;
        const up = randomBytes(bytes);
        const down = randomBytes(bytes);
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
            if (serverEnd !== null) return;
            serverEnd = new Endpoint(s, down, bytes);
            serverReady(serverEnd);
          },
        );
        // bounded in time as well: should the transfer not finish (the test's timeout), the spray still ends
        const sprayEnd = performance.now() + 60_000;
        const spray = async (): Promise<void> => {
          while (!stop && performance.now() < sprayEnd) {
            for (let i = 0; i < 50; i++) {
              const len = Math.floor(Math.random() * 2000);
              junk.send(randomBytes(len), listener.port, '127.0.0.1');
              sent++;
            }
            await new Promise((r) => setImmediate(r));
          }
        };
        void spray();
        const session = await dialSession('127.0.0.1', listener.port, { ...options(true), sockbuf: 1 << 20 });
        try {
          const clientEnd = new Endpoint(session, up, bytes);
          const [atServer, atClient] = await Promise.all([(await serverStarted).done, clientEnd.done]);
          assert.equal(atServer, sha(up));
          assert.equal(atClient, sha(down));
        } finally {
          stop = true;
          session.close();
          listener.close();
          junk.close();
        }
      }
      await listenerPromise;
      assert.ok(sent > 100);
    });
  });
}
