import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Duplex, type Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { SMALL_REQUEST_BYTES } from '../../src/smux/index.js';
import { pipeBoth, WRITE_BATCH_LIMIT } from '../../src/tunnel/pipe.js';
import {
  acceptStream,
  quiescent,
  randomBytes,
  sessionPair,
  sha256,
  smuxConfig,
  writeAll,
} from '../smux/helpers.js';

/**
 * Stands in for the local TCP socket: records each _write/_writev call (a write system call on a real
 * socket) and, while stalled, holds the completion of the call in progress, like a full socket buffer.
 */
class RecordingSocket extends Duplex {
  readonly received: Buffer[] = [];
  writeCalls = 0;
  largestBatch = 0;
  stalled = false;
  private held: (() => void) | null = null;
  private heldBytes = 0;

  constructor() {
    super({ allowHalfOpen: true });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.record([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: () => void): void {
    this.record(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  /** Bytes written by the pipe so far, whether completed or still held by the socket. */
  get bytesTaken(): number {
    return this.received.reduce((sum, b) => sum + b.length, 0) - this.heldBytes + this.writableLength;
  }

  release(): void {
    this.stalled = false;
    const held = this.held;
    this.held = null;
    this.heldBytes = 0;
    held?.();
  }

  private record(chunks: Buffer[], callback: () => void): void {
    this.writeCalls++;
    this.largestBatch = Math.max(this.largestBatch, chunks.length);
    this.received.push(...chunks);
    if (!this.stalled) {
      callback();
      return;
    }
    this.held = callback;
    this.heldBytes = chunks.reduce((sum, b) => sum + b.length, 0);
  }
}

const FRAME_SIZE = 4096;

/** Pipe the accepted end of a fresh stream to a RecordingSocket; resolves with both and pipeBoth's result. */
async function pipedStream(maxStreamBuffer: number) {
  const pair = sessionPair(smuxConfig(2, { maxFrameSize: FRAME_SIZE, maxStreamBuffer }));
  const sent = pair.client.openStream();
  const stream = await acceptStream(pair.server);
  const socket = new RecordingSocket();
  const done = new Promise<Error | undefined>((resolve) => pipeBoth(stream, socket, 0, resolve));
  return { pair, sent, stream, socket, done };
}

describe('pipeBoth: smux stream to local socket', () => {
  test('the frames of one delivery go out in one write, byte for byte', async () => {
    const { pair, sent, socket, done } = await pipedStream(2 << 20);
    const data = randomBytes(256 << 10);
    await writeAll(sent, data);
    await once(socket, 'finish');
    assert.equal(await done, undefined);
    assert.equal(sha256(Buffer.concat(socket.received)), sha256(data));
    // 64 frames arrive a few dozen KiB per event-loop turn: written one by one, no call would carry two.
    assert.ok(socket.largestBatch > 1, `largest write carried ${socket.largestBatch} chunk(s)`);
    assert.ok(socket.writeCalls < data.length / FRAME_SIZE, `${socket.writeCalls} writes`);
    pair.client.close();
  });

  test('a socket that stops taking data stops the stream at the batch limit, and the data then arrives intact', async () => {
    const window = 64 << 10;
    const { pair, sent, stream, socket, done } = await pipedStream(window);
    socket.stalled = true;
    const data = randomBytes(2 << 20);
    const writing = writeAll(sent, data);
    await quiescent(pair.clientConn);
    // The socket holds at most the batch limit plus what the last accepted write brought with it, and
    // the rest waits in the stream within its window: the sender stopped, far short of the 2 MiB.
    assert.ok(socket.bytesTaken >= WRITE_BATCH_LIMIT, `socket took ${socket.bytesTaken}`);
    assert.ok(socket.bytesTaken < WRITE_BATCH_LIMIT + window, `socket took ${socket.bytesTaken}`);
    assert.ok(stream.bufferedReceiveBytes > 0);
    assert.ok(socket.bytesTaken + stream.bufferedReceiveBytes <= WRITE_BATCH_LIMIT + 2 * window);
    socket.release();
    await writing;
    await once(socket, 'finish');
    assert.equal(await done, undefined);
    assert.equal(sha256(Buffer.concat(socket.received)), sha256(data));
    pair.client.close();
  });
});

/** A source that hands pushed chunks on at once (flowing), piped to a fresh RecordingSocket. */
async function pushedToSocket() {
  const source = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  const socket = new RecordingSocket();
  pipeBoth(source, socket, 0, () => {});
  await new Promise((resolve) => setImmediate(resolve)); // the pipe's resume() takes effect
  return { source, socket };
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('pipeBoth: write order to the local socket', () => {
  test("a request to an idle socket is written within its delivery, what follows it in the tick in one write at the tick's end", async () => {
    const { source, socket } = await pushedToSocket();
    const request = randomBytes(64);
    source.push(request);
    // The data listener of a smux stream runs inside the receive callback: the request is written now,
    // not after the callback's sends and the bulk sockets' writevs.
    assert.equal(socket.writeCalls, 1);
    assert.deepEqual(socket.received, [request]);
    const more = [randomBytes(64), randomBytes(SMALL_REQUEST_BYTES + 1)];
    for (const chunk of more) source.push(chunk);
    assert.equal(socket.writeCalls, 1);
    await nextTick();
    assert.equal(socket.writeCalls, 2);
    assert.equal(socket.largestBatch, 2);
    assert.deepEqual(socket.received, [request, ...more]);
  });

  test("a chunk larger than a request waits for the tick's end even on an idle socket", async () => {
    const { source, socket } = await pushedToSocket();
    const chunks = [randomBytes(SMALL_REQUEST_BYTES + 1), randomBytes(64)];
    for (const chunk of chunks) source.push(chunk);
    assert.equal(socket.writeCalls, 0);
    await nextTick();
    assert.equal(socket.writeCalls, 1);
    assert.deepEqual(socket.received, chunks);
  });
});

describe('pipeBoth: local socket to smux stream', () => {
  test('a destination that cannot gather writes pauses the source at its first refused write, as pipe does', async () => {
    const chunk = randomBytes(16 << 10);
    const chunks = 64;
    let pushed = 0;
    const source = new Duplex({
      read() {
        this.push(pushed < chunks ? chunk : null);
        pushed++;
      },
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
    // Like a SmuxStream: _write only, and the first write is held as if the connection were full.
    const received: Buffer[] = [];
    let held: (() => void) | null = null;
    let stalled = true;
    const destination = new Duplex({
      read() {},
      write(data: Buffer, _encoding, callback) {
        received.push(data);
        if (stalled) held = callback;
        else callback();
      },
    });
    assert.equal(typeof (destination as Writable & { _writev?: unknown })._writev, 'object');
    const done = new Promise<Error | undefined>((resolve) => pipeBoth(source, destination, 0, resolve));
    await once(source, 'pause');
    assert.ok(
      destination.writableLength <= 2 * chunk.length,
      `destination holds ${destination.writableLength}`,
    );
    stalled = false;
    (held as (() => void) | null)?.();
    await once(destination, 'finish');
    assert.equal(await done, undefined);
    assert.equal(Buffer.concat(received).length, chunks * chunk.length);
    assert.ok(Buffer.concat(received).every((byte, i) => byte === chunk[i % chunk.length]));
  });
});
