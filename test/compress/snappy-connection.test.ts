import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnappyFramingError } from '../../src/compress/frame-reader.js';
import { SnappyConnection } from '../../src/compress/snappy-connection.js';
import type { ByteConnection, ByteSink } from '../../src/transport/conn.js';
import { randomBytes, seededRandom, textLike } from './fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const IDENTIFIER = 'ff060000734e61507059';
const SYN = '0100000003000000';
const SYN_CHUNK = `010c00004439ac2f${SYN}`;

/** A scripted inner connection (the KCP session's role). */
class FakeInner implements ByteConnection {
  sink: ByteSink | null = null;
  readonly written: Buffer[] = [];
  paused = false;
  pauseCalls = 0;
  resumeCalls = 0;
  closed = false;
  writeResult = true;

  attach(sink: ByteSink): void {
    this.sink = sink;
  }
  write(data: Buffer): boolean {
    if (this.closed) return false;
    this.written.push(data);
    return this.writeResult;
  }
  pause(): void {
    this.paused = true;
    this.pauseCalls++;
  }
  resume(): void {
    this.paused = false;
    this.resumeCalls++;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const sink = this.sink;
    this.sink = null;
    sink?.onClose();
  }
  /** The peer's bytes arrive. */
  deliver(data: Buffer): void {
    this.sink?.onData(data);
  }
  /** The link goes away on its own. */
  drop(err?: Error): void {
    this.closed = true;
    this.sink?.onClose(err);
  }
}

/** An inner connection that copies what it is given before returning, as the KCP session does (writeParts). */
class CopyingInner extends FakeInner {
  override write(data: Buffer): boolean {
    return super.write(Buffer.from(data));
  }
  writeParts(head: Buffer, body: Buffer): boolean {
    return super.write(Buffer.concat([head, body]));
  }
}

class RecordingSink implements ByteSink {
  readonly data: Buffer[] = [];
  drains = 0;
  closes: Array<Error | undefined> = [];
  onDataHook: ((data: Buffer) => void) | null = null;

  onData(data: Buffer): void {
    this.data.push(data);
    this.onDataHook?.(data);
  }
  onDrain(): void {
    this.drains++;
  }
  onClose(err?: Error): void {
    this.closes.push(err);
  }
  get bytes(): Buffer {
    return Buffer.concat(this.data);
  }
}

function open(): { inner: FakeInner; conn: SnappyConnection; sink: RecordingSink } {
  const inner = new FakeInner();
  const conn = new SnappyConnection(inner);
  const sink = new RecordingSink();
  conn.attach(sink);
  return { inner, conn, sink };
}

test('the first write is one inner write: identifier + chunk (docs/protocol.md §11.6)', () => {
  const { inner, conn } = open();
  assert.equal(conn.write(hex(SYN)), true);
  assert.deepEqual(
    inner.written.map((b) => b.toString('hex')),
    [IDENTIFIER + SYN_CHUNK],
  );
  conn.write(Buffer.concat([hex('0102400003000000'), Buffer.alloc(64, 'a')]));
  assert.equal(inner.written[1].toString('hex'), '00120000553f0e3d4820010240000300000061fa0100');
});

test('empty writes send nothing; large writes send one inner write per 64 KiB chunk', () => {
  const { inner, conn } = open();
  assert.equal(conn.write(Buffer.alloc(0)), true);
  assert.equal(inner.written.length, 0);
  conn.write(randomBytes(200000, 1));
  assert.equal(inner.written.length, 4);
  assert.equal(inner.written[0].subarray(0, 10).toString('hex'), IDENTIFIER);
  assert.ok(inner.written.slice(1).every((chunk) => chunk[0] === 0x01));
});

test('write reports the inner back-pressure, and drains pass through', () => {
  const { inner, conn, sink } = open();
  inner.writeResult = false;
  assert.equal(conn.write(textLike(100000, 1)), false);
  inner.sink?.onDrain();
  assert.equal(sink.drains, 1);
});

test('two connections talk through arbitrarily split inner deliveries', () => {
  const next = seededRandom(3);
  const a = open();
  const b = open();
  const sent: Buffer[] = [];
  for (let i = 0; i < 60; i++) {
    const size = 1 + ((next() * (i % 10 === 0 ? 150000 : 9000)) | 0);
    const payload = i % 2 === 0 ? textLike(size, i) : randomBytes(size, i);
    sent.push(payload);
    a.conn.write(payload);
  }
  const wire = Buffer.concat(a.inner.written);
  for (let at = 0; at < wire.length; ) {
    const n = 1 + ((next() * 3000) | 0);
    b.inner.deliver(wire.subarray(at, at + n));
    at += n;
  }
  assert.deepEqual(b.sink.bytes, Buffer.concat(sent));
  assert.deepEqual(b.sink.closes, []);
});

test('over an inner that copies, writes and writeParts send the bytes write sends over one that keeps them', () => {
  const next = seededRandom(5);
  const kept = open();
  const copying = new CopyingInner();
  const conn = new SnappyConnection(copying);
  conn.attach(new RecordingSink());
  assert.equal(kept.conn.writeParts, undefined);
  assert.notEqual(conn.writeParts, undefined);
  for (let i = 0; i < 40; i++) {
    const size = 1 + ((next() * (i % 8 === 0 ? 150000 : 9000)) | 0);
    const payload = i % 2 === 0 ? textLike(size, i) : randomBytes(size, i);
    kept.conn.write(payload);
    if (i % 3 === 0 || size > 65536 - 8) conn.write(payload);
    else conn.writeParts!(payload.subarray(0, 8), payload.subarray(8));
  }
  // a -framesize of 65535: header and payload are longer than a chunk
  const long = randomBytes(65543, 7);
  kept.conn.write(long);
  conn.writeParts!(long.subarray(0, 8), long.subarray(8));
  assert.equal(conn.writeParts!(Buffer.alloc(0), Buffer.alloc(0)), true);
  assert.deepEqual(Buffer.concat(copying.written), Buffer.concat(kept.inner.written));
  assert.equal(copying.written.length, kept.inner.written.length);
});

test('writeParts reports the inner back-pressure', () => {
  const inner = new CopyingInner();
  const conn = new SnappyConnection(inner);
  conn.attach(new RecordingSink());
  inner.writeResult = false;
  assert.equal(conn.writeParts!(hex('0102400003000000'), Buffer.alloc(64, 'a')), false);
  conn.close();
  assert.equal(conn.writeParts!(hex('0102400003000000'), Buffer.alloc(64, 'a')), false);
});

test('inner attach happens on attach, so early data waits in the inner connection', () => {
  const inner = new FakeInner();
  const conn = new SnappyConnection(inner);
  assert.equal(inner.sink, null);
  const sink = new RecordingSink();
  conn.attach(sink);
  inner.deliver(hex(IDENTIFIER + SYN_CHUNK));
  assert.deepEqual(sink.data, [hex(SYN)]);
});

test('pause inside a delivery holds the remaining chunks until resume', () => {
  const { inner, conn, sink } = open();
  sink.onDataHook = () => {
    if (sink.data.length === 1) conn.pause();
  };
  inner.deliver(hex(IDENTIFIER + SYN_CHUNK + SYN_CHUNK + SYN_CHUNK));
  assert.equal(sink.data.length, 1);
  assert.equal(inner.paused, true);
  sink.onDataHook = null;
  conn.resume();
  assert.equal(sink.data.length, 3);
  assert.equal(inner.paused, false);
  // Pausing again during the held replay keeps the rest held and the inner connection paused.
  sink.onDataHook = () => conn.pause();
  conn.pause();
  inner.deliver(hex(SYN_CHUNK + SYN_CHUNK));
  assert.equal(sink.data.length, 3);
  conn.resume();
  assert.equal(sink.data.length, 4);
  assert.equal(inner.paused, true);
  sink.onDataHook = null;
  conn.resume();
  assert.equal(sink.data.length, 5);
  assert.equal(inner.resumeCalls, 2);
});

test('a missing identifier closes everything with a SnappyFramingError holding the first bytes', () => {
  const { inner, conn, sink } = open();
  assert.doesNotThrow(() => inner.deliver(hex(SYN_CHUNK)));
  assert.equal(conn.closed, true);
  assert.equal(inner.closed, true);
  assert.equal(sink.closes.length, 1);
  const err = sink.closes[0];
  assert.ok(err instanceof SnappyFramingError);
  assert.equal(err.code, 'corrupt');
  assert.match(err.message, /does not start with the stream identifier/);
  assert.deepEqual(err.firstBytes, new Uint8Array(hex(SYN_CHUNK).subarray(0, 4)));
  assert.equal(conn.write(hex(SYN)), false);
  assert.equal(inner.written.length, 0);
});

test('bad checksum, unsupported chunk and garbage close with an error and deliver nothing more', () => {
  const streams = [
    `${IDENTIFIER}010c00004439ac2e${SYN}`,
    `${IDENTIFIER}02040000aaaaaaaa`,
    `${IDENTIFIER}${randomBytes(64, 9).toString('hex')}`,
  ];
  for (const stream of streams) {
    const { inner, sink } = open();
    assert.doesNotThrow(() => inner.deliver(hex(stream + SYN_CHUNK)));
    assert.equal(sink.closes.length, 1, stream);
    assert.ok(sink.closes[0] instanceof SnappyFramingError, stream);
    assert.equal(sink.data.length, 0);
    inner.deliver(hex(SYN_CHUNK));
    assert.equal(sink.data.length, 0);
  }
});

test('an inner close inside a chunk is a truncation error; at a chunk boundary it is a clean close', () => {
  const cut = open();
  cut.inner.deliver(hex(IDENTIFIER + SYN_CHUNK).subarray(0, 15));
  cut.inner.drop();
  assert.equal(cut.sink.closes.length, 1);
  assert.equal((cut.sink.closes[0] as SnappyFramingError).code, 'truncated');

  const clean = open();
  clean.inner.deliver(hex(IDENTIFIER + SYN_CHUNK));
  clean.inner.drop();
  assert.deepEqual(clean.sink.closes, [undefined]);

  const failed = open();
  const linkError = new Error('link failed');
  failed.inner.drop(linkError);
  assert.deepEqual(failed.sink.closes, [linkError]);
  assert.equal(failed.conn.closed, true);
});

test('local close closes the inner connection and reports once; closing inside onData stops delivery', () => {
  const { inner, conn, sink } = open();
  conn.close();
  conn.close();
  assert.equal(inner.closed, true);
  assert.deepEqual(sink.closes, [undefined]);

  const second = open();
  second.sink.onDataHook = () => second.conn.close();
  second.inner.deliver(hex(IDENTIFIER + SYN_CHUNK + SYN_CHUNK));
  assert.equal(second.sink.data.length, 1);
  assert.deepEqual(second.sink.closes, [undefined]);
});

test('attaching after close reports the close at once', () => {
  const inner = new FakeInner();
  const conn = new SnappyConnection(inner);
  conn.close();
  assert.equal(inner.closed, true);
  const sink = new RecordingSink();
  conn.attach(sink);
  assert.deepEqual(sink.closes, [undefined]);
});
