import assert from 'node:assert/strict';
import type dgram from 'node:dgram';
import { describe, type TestContext, test } from 'node:test';
import { batchOpener } from '../../src/crypt/batch.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { transportCounters } from '../../src/transport/counters.js';
import { gsoSupport } from '../../src/transport/gso.js';
import { type Libc, libc } from '../../src/transport/libc.js';
import { mmsgSupported } from '../../src/transport/mmsg-io.js';
import { bindSocket, connectSocket, createUdpIo, createUdpSocket } from '../../src/transport/udp.js';
import type { UdpIo } from '../../src/transport/udp-io.js';
import { until } from '../support/deadline.js';

const batched = mmsgSupported() === true;

/** What the tests expect of the batched path: GSO and GRO where the kernel has them, or neither (switched off). */
export type Expected = 'gso' | 'plain';

async function boundSocket(): Promise<dgram.Socket> {
  const socket = createUdpSocket('127.0.0.1', 4 << 20);
  await bindSocket(socket, 0, '127.0.0.1');
  return socket;
}

/** Two batched sockets on loopback, each connected to the other, closed when the test ends. */
async function connectedPair(t: TestContext): Promise<{ ioA: UdpIo; ioB: UdpIo }> {
  const a = await boundSocket();
  const b = await boundSocket();
  await connectSocket(a, b.address().port, '127.0.0.1');
  await connectSocket(b, a.address().port, '127.0.0.1');
  const ioA = createUdpIo(a);
  const ioB = createUdpIo(b);
  t.after(() => {
    ioA.close();
    ioB.close();
  });
  return { ioA, ioB };
}

/**
 * Datagram lengths like KCP's output: runs of full-size datagrams, a shorter one closing some, ACK-sized
 * ones in between, and a run longer than one GSO message can hold.
 */
function lengths(): number[] {
  const out: number[] = [];
  for (let k = 0; k < 12; k++) {
    for (let i = 0; i < 3 + k * 5; i++) out.push(1400);
    if (k % 2 === 0) out.push(600 + k);
    if (k % 3 === 0) out.push(24, 24, 48);
  }
  return out;
}

/** Datagram i: its index, then bytes that differ per datagram and per position. */
function fill(buf: Buffer, i: number, len: number): void {
  buf.writeUInt16BE(i, 0);
  for (let k = 2; k < len; k++) buf[k] = (i * 31 + k * 7) & 0xff;
}

function check(got: Buffer[], sizes: number[], who: string): void {
  assert.equal(got.length, sizes.length, `${who}: datagrams received`);
  got.forEach((msg, i) => {
    const want = Buffer.alloc(sizes[i]);
    fill(want, i, sizes[i]);
    assert.ok(msg.equals(want), `${who}: datagram ${i} (${sizes[i]} bytes) arrived intact and in order`);
  });
}

/** Send `sizes` through `io` in one turn, to `to` or the connected peer. */
function sendAll(io: UdpIo, sizes: number[], to?: ReturnType<UdpIo['sender']>): void {
  sizes.forEach((len, i) => {
    const buf = io.claim();
    fill(buf, i, len);
    io.send(buf, len, to);
  });
}

export function describeGsoTests(expected: Expected): void {
  const support = batched ? gsoSupport(libc() as Libc) : null;
  const on = expected === 'gso' && support !== null && support.gso && support.gro;
  const skip = !batched
    ? String(mmsgSupported())
    : expected === 'gso' && !on
      ? `no UDP GSO/GRO here: ${support?.reason}`
      : false;

  describe(`batched I/O, ${expected === 'gso' ? 'UDP GSO and GRO on' : 'GSO and GRO off'}`, { skip }, () => {
    test('the process-wide probe says what is in use', () => {
      assert.equal(support!.gso && support!.gro, on);
      if (!on) assert.match(support!.reason, /KCPTUN_NO_GSO=1/);
    });

    test('two batched sockets: runs of datagrams arrive byte-exact and in order', async (t) => {
      const { ioA, ioB } = await connectedPair(t);
      const got: Buffer[] = [];
      ioB.onDatagram = (buf, len) => got.push(Buffer.from(buf.subarray(0, len)));
      const sizes = lengths();
      const runsBefore = transportCounters.gsoRuns;
      const coalescedBefore = transportCounters.groBuffers;
      sendAll(ioA, sizes);
      await until(() => got.length >= sizes.length, { what: `${sizes.length} datagrams`, everyMs: 5 });
      check(got, sizes, 'receiver');
      const runs = transportCounters.gsoRuns - runsBefore;
      const coalesced = transportCounters.groBuffers - coalescedBefore;
      if (on) {
        assert.ok(runs >= 12, `datagrams left in GSO runs (${runs})`);
        assert.ok(coalesced >= 1, `datagrams arrived coalesced (${coalesced})`);
      } else {
        assert.equal(runs, 0);
        assert.equal(coalesced, 0);
      }
    });

    test('datagrams opened as a batch are delivered in place, coalesced ones at their offset', async (t) => {
      const { ioA, ioB } = await connectedPair(t);
      const { crypt } = createPacketCrypt('aes', Buffer.alloc(32, 7));
      ioB.opener = batchOpener(crypt);
      const got: Buffer[] = [];
      let offsets = 0;
      ioB.onDatagram = (buf, len, opened, offset) => {
        assert.equal(opened, len, 'opened and checked');
        if (offset > 0) offsets++;
        got.push(Buffer.from(buf.subarray(offset + crypt.headerSize, offset + len)));
      };
      // odd lengths: a coalesced datagram behind one of them starts unaligned
      const sizes = lengths().map((len) => (len > 100 ? len - 49 : len));
      sizes.forEach((len, i) => {
        const buf = ioA.claim();
        fill(buf.subarray(crypt.headerSize), i, len);
        ioA.send(buf, crypt.seal(buf, crypt.headerSize + len));
      });
      await until(() => got.length >= sizes.length, { what: `${sizes.length} datagrams`, everyMs: 5 });
      check(got, sizes, 'receiver');
      if (on) assert.ok(offsets >= 1, `datagrams delivered at an offset (${offsets})`);
      else assert.equal(offsets, 0);
    });

    test('a listener sends each peer its own runs; peers without GRO get single datagrams', async (t) => {
      const server = await boundSocket();
      const io = createUdpIo(server);
      t.after(() => io.close());
      const peers = await Promise.all(
        [0, 1].map(async () => {
          const socket = await boundSocket();
          t.after(() => socket.close());
          await connectSocket(socket, server.address().port, '127.0.0.1');
          const got: Buffer[] = [];
          socket.on('message', (msg) => got.push(msg));
          return { socket, got };
        }),
      );
      const from: ReturnType<UdpIo['sender']>[] = [];
      io.onDatagram = () => from.push(io.sender());
      for (const p of peers) p.socket.send(Buffer.from('hello'));
      await until(() => from.length === 2, { what: 'both peers heard', everyMs: 5 });
      const sizes = lengths();
      const runsBefore = transportCounters.gsoRuns;
      // Interleaved in chunks, as sessions flushing in turn would: runs must not cross peers.
      for (let at = 0; at < sizes.length; at += 10) {
        for (const to of from) {
          for (let i = at; i < Math.min(at + 10, sizes.length); i++) {
            const buf = io.claim();
            fill(buf, i, sizes[i]);
            io.send(buf, sizes[i], to);
          }
        }
      }
      await until(() => peers.every((p) => p.got.length >= sizes.length), {
        what: 'every datagram at both peers',
        everyMs: 5,
      });
      for (const [k, p] of peers.entries()) check(p.got, sizes, `peer ${k}`);
      assert.equal(transportCounters.gsoRuns > runsBefore, on, 'GSO runs sent');
    });
  });
}
