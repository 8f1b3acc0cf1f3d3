import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import type { ByteConnection } from '../../src/transport/conn.js';
import { dialSession } from '../../src/transport/dial.js';
import { KcpListener } from '../../src/transport/listener.js';
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

async function transfer(fec: boolean, loss: number, bytes: number): Promise<UdpRelay | null> {
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
  return relay;
}

/** The session scenarios, under `title` (run once per datagram I/O). */
export function describeSessionTests(title: string): void {
  describe(title, () => {
    test('20 MB each way, FEC 10/3, 10% loss each way', { timeout: 120_000 }, async () => {
      const relay = await transfer(true, 0.1, 20 << 20);
      assert.ok(relay!.dropped > 1000);
    });

    test('20 MB each way, FEC off, 10% loss each way', { timeout: 120_000 }, async () => {
      await transfer(false, 0.1, 20 << 20);
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
        const listener = await KcpListener.listen(
          '127.0.0.1',
          0,
          { ...options(true), sockbuf: 1 << 20, maxSessions: 64 },
          (s) => {
            serverEnd ??= new Endpoint(s, down, bytes);
          },
        );
        const spray = async (): Promise<void> => {
          while (!stop) {
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
          while (serverEnd === null) await new Promise((r) => setTimeout(r, 5));
          const [atServer, atClient] = await Promise.all([(serverEnd as Endpoint).done, clientEnd.done]);
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
