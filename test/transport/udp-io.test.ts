import assert from 'node:assert/strict';
import type dgram from 'node:dgram';
import { describe, test } from 'node:test';
import { batchOpener } from '../../src/crypt/batch.js';
import { CFB_HEADER_SIZE } from '../../src/crypt/cfb-packet.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { KCP_MTU_LIMIT } from '../../src/kcp/index.js';
import { DgramIo } from '../../src/transport/dgram-io.js';
import { createMmsgIo, formatIpv6, mmsgSupported } from '../../src/transport/mmsg-io.js';
import { LATE_TICK_READ_MS, type Schedulable, scheduler } from '../../src/transport/scheduler.js';
import {
  bindListenSocket,
  bindSocket,
  connectSocket,
  createUdpIo,
  createUdpSocket,
  formatHostPort,
} from '../../src/transport/udp.js';
import type { UdpIo } from '../../src/transport/udp-io.js';
import { until } from '../support/deadline.js';

const batched = mmsgSupported() === true;

/** Keep the thread busy for `ms`: a stalled process, which no timer or await could make. */
function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the stall is what is under test
  }
}

async function boundSocket(address: string): Promise<dgram.Socket> {
  const socket = createUdpSocket(address, 0);
  await bindSocket(socket, 0, address);
  return socket;
}

/** A plain dgram socket connected to `port`, collecting what it receives. */
async function plainPeer(address: string, port: number): Promise<{ socket: dgram.Socket; got: Buffer[] }> {
  const socket = await boundSocket(address);
  await connectSocket(socket, port, address);
  const got: Buffer[] = [];
  socket.on('message', (msg) => got.push(msg));
  return { socket, got };
}

describe('formatIpv6 writes addresses as inet_ntop does', () => {
  const cases: [string, string][] = [
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['fe800000000000000000000000000001', 'fe80::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['00010000000200030004000500060007', '1:0:2:3:4:5:6:7'],
    ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
    ['20010db8000000000000000000000000', '2001:db8::'],
  ];
  for (const [hex, text] of cases) {
    test(text, () => assert.equal(formatIpv6(Buffer.from(hex, 'hex')), text));
  }
});

describe('batched datagram I/O (sendmmsg/recvmmsg)', {
  skip: batched ? false : String(mmsgSupported()),
}, () => {
  test('is what createUdpIo picks here', async () => {
    const socket = await boundSocket('127.0.0.1');
    const io = createUdpIo(socket);
    assert.equal(io.constructor.name, 'MmsgIo');
    io.close();
  });

  test('200 datagrams queued in one turn leave in order, each with its own bytes', async () => {
    const socket = await boundSocket('127.0.0.1');
    const peer = await plainPeer('127.0.0.1', socket.address().port);
    await connectSocket(socket, peer.socket.address().port, '127.0.0.1');
    const io = createUdpIo(socket);
    for (let i = 0; i < 200; i++) {
      const buf = i % 2 === 0 ? io.claim() : Buffer.alloc(1400);
      const len = 100 + i;
      buf.fill(i & 0xff, 0, len);
      buf.writeUInt16BE(i, 0);
      io.send(buf, len);
    }
    await until(() => peer.got.length === 200, { what: '200 datagrams', everyMs: 5 });
    peer.got.forEach((msg, i) => {
      assert.equal(msg.length, 100 + i);
      assert.equal(msg.readUInt16BE(0), i);
      assert.equal(msg[msg.length - 1], i & 0xff);
    });
    io.close();
    peer.socket.close();
  });

  test('with a sealer, prepared datagrams leave sealed: 100 of mixed lengths open at a plain peer', async () => {
    const pass = Buffer.alloc(32, 7);
    const { crypt } = createPacketCrypt('aes', pass);
    const socket = await boundSocket('127.0.0.1');
    const peer = await plainPeer('127.0.0.1', socket.address().port);
    await connectSocket(socket, peer.socket.address().port, '127.0.0.1');
    const io = createUdpIo(socket);
    assert.equal(io.sealer, null);
    io.sealer = crypt.batchSealer ?? null;
    assert.notEqual(io.sealer, null);
    const lengthOf = (i: number) => CFB_HEADER_SIZE + 2 + ((i * 97) % 1300);
    for (let i = 0; i < 100; i++) {
      const buf = io.claim();
      const end = lengthOf(i);
      buf.fill(i, CFB_HEADER_SIZE, end);
      buf.writeUInt16BE(i, CFB_HEADER_SIZE);
      io.send(buf, io.sealer!.prepare(buf, end));
    }
    await until(() => peer.got.length === 100, { what: '100 datagrams', everyMs: 5 });
    const opener = createPacketCrypt('aes', pass).crypt;
    peer.got.forEach((msg, i) => {
      assert.equal(msg.length, lengthOf(i));
      const plain = Buffer.alloc(msg.length - CFB_HEADER_SIZE, i);
      plain.writeUInt16BE(i, 0);
      assert.notDeepEqual(msg.subarray(CFB_HEADER_SIZE), plain, 'sealed on the wire');
      assert.equal(opener.open(msg, msg.length), msg.length, `datagram ${i} opens`);
      assert.deepEqual(msg.subarray(CFB_HEADER_SIZE), plain);
    });
    io.close();
    peer.socket.close();
  });

  test('a listener tells senders apart, replies to each, and sees a long datagram as long', async () => {
    const socket = await boundSocket('127.0.0.1');
    const io: UdpIo = createUdpIo(socket);
    const port = socket.address().port;
    const keys = new Map<number | string, number>();
    const lengths: number[] = [];
    io.onDatagram = (buf, len) => {
      lengths.push(len);
      const from = io.sender();
      keys.set(io.senderKey(), from.port);
      const reply = io.claim();
      buf.copy(reply, 0, 0, Math.min(len, 8));
      io.send(reply, Math.min(len, 8), from);
    };
    const peers = await Promise.all([1, 2, 3].map(() => plainPeer('127.0.0.1', port)));
    for (const [i, p] of peers.entries()) p.socket.send(Buffer.from(`hello ${i}`));
    peers[0].socket.send(Buffer.alloc(2000, 1));
    await until(() => peers.every((p, i) => p.got.length === (i === 0 ? 2 : 1)), {
      what: 'replies',
      everyMs: 5,
    });
    for (const [i, p] of peers.entries()) assert.equal(p.got[0].toString(), `hello ${i}`.slice(0, 8));
    assert.equal(keys.size, 3);
    assert.deepEqual([...keys.values()].sort(), peers.map((p) => p.socket.address().port).sort());
    assert.ok(
      lengths.some((len) => len > 1500),
      `a 2000-byte datagram is reported longer than 1500 (${lengths})`,
    );
    io.close();
    for (const p of peers) p.socket.close();
  });

  test('a datagram longer than KCP_MTU_LIMIT is delivered unopened, as it arrived; one within it opened', async () => {
    const { crypt } = createPacketCrypt('aes', Buffer.alloc(32, 9));
    const socket = await boundSocket('127.0.0.1');
    const io = createUdpIo(socket);
    io.opener = batchOpener(crypt);
    const got: { opened: number; bytes: Buffer }[] = [];
    io.onDatagram = (buf, len, opened, offset) => {
      got.push({ opened, bytes: Buffer.from(buf.subarray(offset, offset + len)) });
    };
    const peer = await plainPeer('127.0.0.1', socket.address().port);
    try {
      const sealed = Buffer.alloc(CFB_HEADER_SIZE + 100, 3);
      const sealedLength = crypt.seal(sealed, sealed.length);
      peer.socket.send(Buffer.alloc(2000, 0x5a));
      peer.socket.send(sealed.subarray(0, sealedLength));
      await until(() => got.length === 2, { what: 'two datagrams', everyMs: 5 });
      const [long, short] = got;
      assert.ok(long.bytes.length > KCP_MTU_LIMIT, `${long.bytes.length} bytes, longer than KCP_MTU_LIMIT`);
      assert.equal(long.opened, -1);
      // decrypting in place would have changed them: the work a flood of long junk must not cost
      assert.ok(
        long.bytes.every((b) => b === 0x5a),
        'the long datagram was not decrypted',
      );
      assert.equal(short.opened, sealedLength);
      assert.deepEqual(short.bytes.subarray(CFB_HEADER_SIZE), Buffer.alloc(100, 3));
    } finally {
      io.close();
      peer.socket.close();
    }
  });

  test('IPv6: the sender is named like dgram names it', async (t) => {
    let socket: dgram.Socket;
    try {
      socket = await boundSocket('::1');
    } catch {
      t.skip('no IPv6 loopback');
      return;
    }
    const io = createUdpIo(socket);
    const seen: { key: number | string; address: string }[] = [];
    io.onDatagram = () => seen.push({ key: io.senderKey(), address: io.sender().address });
    const peer = await plainPeer('::1', socket.address().port);
    peer.socket.send(Buffer.from('x'));
    peer.socket.send(Buffer.from('y'));
    await until(() => seen.length === 2, { what: 'two datagrams', everyMs: 5 });
    assert.equal(seen[0].address, '::1');
    assert.equal(seen[0].key, seen[1].key);
    io.close();
    peer.socket.close();
  });

  test('a connected socket still receives after an ICMP error (a client that dialled before its server listened)', async () => {
    const closedPort = await boundSocket('127.0.0.1');
    const port = closedPort.address().port;
    await new Promise<void>((resolve) => closedPort.close(resolve));
    const socket = await boundSocket('127.0.0.1');
    await connectSocket(socket, port, '127.0.0.1');
    const io = createUdpIo(socket);
    const errors: Error[] = [];
    io.onError = (err) => errors.push(err);
    const got: string[] = [];
    io.onDatagram = (buf, len) => got.push(buf.toString('latin1', 0, len));
    const hello = io.claim();
    hello.write('hello');
    io.send(hello, 5);
    await until(() => errors.length > 0, { what: 'the ICMP port unreachable', everyMs: 5 });
    assert.match(errors[0].message, /ECONNREFUSED/);
    // the server comes up on that port and answers
    const server = createUdpSocket('127.0.0.1', 0);
    await bindSocket(server, port, '127.0.0.1');
    server.send(Buffer.from('welcome'), socket.address().port, '127.0.0.1');
    await until(() => got.length > 0, { what: 'a datagram after the error', everyMs: 5 });
    assert.deepEqual(got, ['welcome']);
    io.close();
    server.close();
  });

  /**
   * Datagrams delivered by the readiness callback that delivers the first of `count` datagrams of 1400 bytes
   * queued at once in a socket whose receive buffer is `rcvbuf` bytes (the kernel doubles it): the
   * delivery's setImmediate runs once that callback has returned. `each` sees every delivery's number,
   * `made` the I/O.
   */
  async function firstCallback(
    count: number,
    rcvbuf: number,
    each = (_n: number) => {},
    made = (_io: UdpIo) => {},
  ): Promise<number> {
    const socket = await boundSocket('127.0.0.1');
    socket.setRecvBufferSize(rcvbuf);
    const io = createUdpIo(socket);
    made(io);
    const peer = await plainPeer('127.0.0.1', socket.address().port);
    let delivered = 0;
    const first = new Promise<number>((resolve) => {
      io.onDatagram = () => {
        if (delivered++ === 0) setImmediate(() => resolve(delivered));
        each(delivered);
      };
    });
    const payload = Buffer.alloc(1400);
    // in one turn: the callback finds all of them queued
    for (let i = 0; i < count; i++) peer.socket.send(payload);
    const n = await first;
    io.close();
    peer.socket.close();
    return n;
  }

  test('a socket filling its buffer is read past one batch in one callback', async () => {
    // 200 x 1400 bytes fill most of a 512 KiB buffer: past half of it, the callback reads on
    assert.ok((await firstCallback(200, 256 * 1024)) > 64);
  });

  test('the I/O says its receive queue is filling while a callback reads on, and not once it has drained', async () => {
    let io: UdpIo | null = null;
    let secondBatch: boolean | undefined;
    const read = await firstCallback(
      200,
      256 * 1024,
      (n) => {
        if (n === 65) secondBatch = io?.receiveFilling;
      },
      (made) => {
        io = made;
      },
    );
    assert.ok(read > 64);
    assert.equal(secondBatch, true, 'after a full batch from a queue past half the buffer');
    assert.equal((io as UdpIo | null)?.receiveFilling, false, 'after the short batch that drained it');
  });

  test("the I/O reports its socket's drops, read after a full batch", async () => {
    let io: UdpIo | null = null;
    // 400 x 1400 bytes overflow a 512 KiB buffer (200 fill most of it, above)
    await firstCallback(400, 256 * 1024, undefined, (made) => {
      io = made;
    });
    const drops = (io as UdpIo | null)?.receiveDrops ?? 0;
    assert.ok(drops > 0, `drops ${drops}`);
  });

  test('a queue under half the buffer is read one batch per callback', async () => {
    assert.equal(await firstCallback(100, 4 * 1024 * 1024), 64);
  });

  test('a callback reading on runs the flushes one batch requested (its ACKs) before the next batch', async () => {
    let delivered = 0;
    let flushedAfter = -1;
    const session: Schedulable = {
      dueAt: -1,
      update: () => 1000,
      flushPending: () => (flushedAfter = delivered),
    };
    const read = await firstCallback(200, 256 * 1024, (n) => {
      delivered = n;
      if (n === 1) scheduler.requestFlush(session);
    });
    assert.ok(read > 64);
    assert.equal(flushedAfter, 64);
  });

  /**
   * The scheduler's read after a stall on a loaded machine: datagrams wait in the socket, the process
   * stalled past LATE_TICK_READ_MS, and the first delivery keeps the CPU longer than that again (a batch
   * of a cold client under load took 7-10 ms, docs/link-startup-stalls-2026-12-06-startup25.md).
   */
  async function lateRead(
    count: number,
    rcvbuf: number,
  ): Promise<{ io: UdpIo; delivered: () => number; close: () => void }> {
    const socket = await boundSocket('127.0.0.1');
    socket.setRecvBufferSize(rcvbuf);
    const io = createUdpIo(socket);
    const peer = await plainPeer('127.0.0.1', socket.address().port);
    let delivered = 0;
    io.onDatagram = () => {
      if (delivered++ === 0) busyFor(LATE_TICK_READ_MS + 5);
    };
    const payload = Buffer.alloc(1400);
    for (let i = 0; i < count; i++) peer.socket.send(payload);
    busyFor(LATE_TICK_READ_MS + 5); // the stall: the scheduler has not run since
    scheduler.run(); // its next entry reads the sockets first (readIfStalled), synchronously
    return {
      io,
      delivered: () => delivered,
      close: () => {
        io.close();
        peer.socket.close();
      },
    };
  }

  test('a read after a stall that has run LATE_TICK_READ_MS stops after its batch, the rest held as filling', async () => {
    // two batches: what the first leaves queued stays under half the buffer (filling() false) even where
    // net.core.rmem_max is the kernel's default 208 KiB, which caps the buffer asked for at 416 KiB
    const count = 2 * 64;
    const late = await lateRead(count, 4 * 1024 * 1024);
    try {
      assert.equal(late.delivered(), 64, 'one batch, then the flushes');
      assert.equal(late.io.receiveFilling, true, 'the rest may hold ACKs: timeouts wait');
      await until(() => late.delivered() === count, {
        what: 'the readiness callback reading the rest',
        everyMs: 5,
      });
      assert.equal(late.io.receiveFilling, false);
    } finally {
      late.close();
    }
  });

  test('a read after a stall reads on past LATE_TICK_READ_MS while the socket is filling', async () => {
    // 400 x 1400 bytes overflow a 512 KiB buffer (firstCallback's drops case): the kernel drops what comes
    const late = await lateRead(400, 256 * 1024);
    try {
      assert.ok(late.delivered() > 64, `read ${late.delivered()}: the batch after the slow one too`);
    } finally {
      late.close();
    }
  });

  test('closing from within a delivery stops the batch there', async () => {
    const socket = await boundSocket('127.0.0.1');
    const io = createUdpIo(socket);
    let delivered = 0;
    io.onDatagram = () => {
      delivered++;
      io.close();
    };
    const peer = await plainPeer('127.0.0.1', socket.address().port);
    for (let i = 0; i < 10; i++) peer.socket.send(Buffer.from([i]));
    await until(() => delivered > 0, { what: 'a delivery', everyMs: 5 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(delivered, 1);
    io.send(Buffer.from('late'), 4); // dropped, no throw
    peer.socket.close();
  });
});

/** Can this host bind an IPv6 loopback socket? */
async function hasIpv6(): Promise<boolean> {
  try {
    (await boundSocket('::1')).close();
    return true;
  } catch {
    return false;
  }
}

/** Both I/O kinds on one listening socket: the batched one where the platform allows it, and dgram. */
const ioKinds: { name: string; make: (s: dgram.Socket) => UdpIo; skip: string | false }[] = [
  { name: 'batched', make: (s) => createMmsgIo(s) as UdpIo, skip: batched ? false : String(mmsgSupported()) },
  { name: 'dgram', make: (s) => new DgramIo(s), skip: false },
];

for (const kind of ioKinds) {
  describe(`an empty host listens on both families (${kind.name} I/O)`, { skip: kind.skip }, () => {
    test('IPv4 and IPv6 peers are told apart, answered, and named as Go names them', async (t) => {
      if (!(await hasIpv6())) {
        t.skip('no IPv6 loopback');
        return;
      }
      const socket = await bindListenSocket('', 0, 0);
      assert.equal(socket.address().address, '::');
      const io = kind.make(socket);
      const port = socket.address().port;
      const seen = new Map<number | string, string>();
      io.onDatagram = (buf, len) => {
        const from = io.sender();
        seen.set(io.senderKey(), formatHostPort(from.address, from.port));
        const reply = io.claim();
        buf.copy(reply, 0, 0, len);
        io.send(reply, len, from);
      };
      const v4 = await plainPeer('127.0.0.1', port);
      const v6 = await plainPeer('::1', port);
      v4.socket.send(Buffer.from('four'));
      v6.socket.send(Buffer.from('six'));
      v4.socket.send(Buffer.from('four again'));
      await until(() => v4.got.length === 2 && v6.got.length === 1, { what: 'the replies', everyMs: 5 });
      assert.deepEqual(
        v4.got.map((b) => b.toString()),
        ['four', 'four again'],
      );
      assert.equal(v6.got[0].toString(), 'six');
      assert.deepEqual(
        [...seen.values()].sort(),
        [`127.0.0.1:${v4.socket.address().port}`, `[::1]:${v6.socket.address().port}`].sort(),
      );
      io.close();
      v4.socket.close();
      v6.socket.close();
    });
  });
}

describe('formatHostPort', () => {
  test('brackets IPv6, writes IPv4-mapped peers as IPv4, leaves the rest', () => {
    assert.equal(formatHostPort('::', 29900), '[::]:29900');
    assert.equal(formatHostPort('::1', 1), '[::1]:1');
    assert.equal(formatHostPort('::ffff:1.2.3.4', 5), '1.2.3.4:5');
    assert.equal(formatHostPort('::FFFF:10.0.0.1', 5), '10.0.0.1:5');
    assert.equal(formatHostPort('127.0.0.1', 80), '127.0.0.1:80');
    assert.equal(formatHostPort('', 80), ':80');
    assert.equal(formatHostPort('example.com', 80), 'example.com:80');
  });
});
