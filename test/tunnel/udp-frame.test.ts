import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { CHANNEL_WRITE_BUDGET, FLOW_QUEUE_BYTES, UdpChannel } from '../../src/tunnel/udp-channel.js';
import {
  encodeClose,
  encodeData,
  MAX_DATAGRAM_SIZE,
  UDP_MESSAGE_HEADER_SIZE,
  UdpFrameReader,
} from '../../src/tunnel/udp-frame.js';
import { UdpStats } from '../../src/tunnel/udp-stats.js';

type Event = ['data', number, Buffer] | ['close', number];

function collector(): { events: Event[]; reader: UdpFrameReader } {
  const events: Event[] = [];
  const reader = new UdpFrameReader({
    data: (flow, payload) => events.push(['data', flow, Buffer.from(payload)]),
    close: (flow) => events.push(['close', flow]),
  });
  return { events, reader };
}

/** xorshift32, so a failing split pattern can be replayed. */
function splitter(seed: number): (max: number) => number {
  let x = seed >>> 0 || 1;
  return (max) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return 1 + ((x >>> 0) % max);
  };
}

describe('UDP channel messages', () => {
  test('every size class survives any split of the byte stream, in order, byte-exact', () => {
    const sizes = [0, 1, 1200, 1472, 8192, MAX_DATAGRAM_SIZE];
    const expected: Event[] = [];
    const parts: Buffer[] = [];
    for (const [i, size] of sizes.entries()) {
      const payload = randomBytes(size);
      expected.push(['data', 0xfffffff0 + i, payload]);
      parts.push(encodeData(0xfffffff0 + i, payload));
    }
    expected.push(['close', 7]);
    parts.push(encodeClose(7));
    const wire = Buffer.concat(parts);
    for (const seed of [1, 2, 3, 99]) {
      for (const maxChunk of [1, 5, 7, 1000, 70_000]) {
        const { events, reader } = collector();
        const next = splitter(seed);
        for (let at = 0; at < wire.length; ) {
          const n = Math.min(next(maxChunk), wire.length - at);
          assert.ok(reader.feed(wire.subarray(at, at + n)));
          at += n;
        }
        assert.deepEqual(events, expected, `seed ${seed} max chunk ${maxChunk}`);
      }
    }
  });

  test('the header layout: type, flow u32 BE, length u16 BE', () => {
    assert.deepEqual([...encodeData(0x01020304, Buffer.from([0xaa]))], [1, 1, 2, 3, 4, 0, 1, 0xaa]);
    assert.deepEqual([...encodeClose(5)], [2, 0, 0, 0, 5, 0, 0]);
    assert.throws(() => encodeData(1, Buffer.alloc(MAX_DATAGRAM_SIZE + 1)), RangeError);
  });

  test('malformed input fails the reader for good', () => {
    for (const [bad, why] of [
      [Buffer.from([9, 0, 0, 0, 1, 0, 0]), /unknown message type 9/],
      [Buffer.from([2, 0, 0, 0, 1, 0, 1, 0]), /CLOSE with 1 payload bytes/],
      [Buffer.from([1, 0, 0, 0, 1, 0xff, 0xff]), /DATA of 65535 bytes/],
    ] as const) {
      const { events, reader } = collector();
      assert.equal(reader.feed(bad), false);
      assert.match(reader.error ?? '', why);
      assert.equal(reader.feed(encodeClose(1)), false);
      assert.deepEqual(events, []);
    }
  });
});

/** A stream that accepts writes but completes none until release(): a back-pressured smux stream. */
class StuckStream extends Duplex {
  written: Buffer[] = [];
  private pending: Array<() => void> = [];
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.written.push(chunk);
    this.pending.push(cb);
  }
  release(): void {
    for (const cb of this.pending.splice(0)) cb();
  }
}

describe('UDP channel send queues', () => {
  test('a flooding flow drops its own newest datagrams; the others keep their turn', async () => {
    const stream = new StuckStream({ writableHighWaterMark: CHANNEL_WRITE_BUDGET });
    const stats = new UdpStats();
    const channel = new UdpChannel(stream, { data() {}, close() {}, closed() {} }, stats);
    const datagram = Buffer.alloc(8000);
    // the first write fills the stream's budget; from then on datagrams wait in their flow's queue
    for (let i = 0; i < 2; i++) assert.ok(channel.send(1, Buffer.alloc(MAX_DATAGRAM_SIZE)));
    assert.ok(stream.writableLength >= CHANNEL_WRITE_BUDGET);
    const perFlow = Math.floor(FLOW_QUEUE_BYTES / (datagram.length + UDP_MESSAGE_HEADER_SIZE));
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (channel.send(1, datagram)) accepted++;
    assert.equal(accepted, perFlow);
    assert.equal(stats.DropsQueueFull, 100 - perFlow);
    assert.ok(channel.send(2, Buffer.from('B1')), 'another flow is not held back by the flood');
    assert.ok(channel.send(3, Buffer.from('C1')));
    // as the stream drains, the queues are served round robin: B and C go out right after A's first
    for (let round = 0; round < 50; round++) {
      stream.release();
      await new Promise((r) => setImmediate(r));
    }
    const flows = stream.written.slice(2).map((m) => m.readUInt32BE(1));
    assert.deepEqual(flows.slice(0, 3), [1, 2, 3]);
    assert.equal(flows.length, perFlow + 2);
    channel.close();
  });
});
