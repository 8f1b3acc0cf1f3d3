import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { QppCipher, QppPads } from '../../src/crypt/qpp/index.js';
import { wrapQpp } from '../../src/tunnel/qpp-stream.js';
import { acceptStream, readAll, sessionPair, smuxConfig, writeAll } from '../smux/helpers.js';

const KEY = Buffer.from("it's a secrect", 'utf8');
const pads = new QppPads(KEY, 61);
const MB = 1024 * 1024;

/** Two connected ends: what one end writes, the other reads, with PassThrough buffering and backpressure. */
function wirePair(): [Duplex, Duplex] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  return [Duplex.from({ writable: aToB, readable: bToA }), Duplex.from({ writable: bToA, readable: aToB })];
}

/** Deterministic chunk sizes (xorshift32) so a failure reproduces. */
function chunkSizes(seed: number, max: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return 1 + (x % max);
  };
}

/** Write data in random chunks, waiting for 'drain' whenever write() asks to, then end. */
async function produce(
  stream: Duplex,
  data: Buffer,
  seed: number,
  onWrite: (n: number) => void,
): Promise<void> {
  const nextSize = chunkSizes(seed, 20000);
  for (let pos = 0; pos < data.length; ) {
    const end = Math.min(data.length, pos + nextSize());
    const ok = stream.write(data.subarray(pos, end));
    onWrite(end - pos);
    pos = end;
    if (!ok) await once(stream, 'drain');
  }
  stream.end();
}

/** A slow reader: at most readSize bytes per millisecond, until 'end'. */
async function consumeSlowly(stream: Duplex, readSize: number, onRead: (n: number) => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  let ended = false;
  stream.once('end', () => {
    ended = true;
  });
  while (!ended) {
    const chunk: Buffer | null = stream.read(readSize) ?? stream.read();
    if (chunk === null) {
      await Promise.race([once(stream, 'readable'), once(stream, 'end')]);
      continue;
    }
    parts.push(chunk);
    onRead(chunk.length);
    await sleep(1);
  }
  return Buffer.concat(parts);
}

describe('wrapQpp (docs/protocol.md §9.1)', () => {
  it('puts fresh-keystream QPP ciphertext on the wire and leaves the caller buffer alone', async () => {
    for (let round = 0; round < 2; round++) {
      const [near, far] = wirePair();
      const qpp = wrapQpp(near, pads, KEY);
      const plain = randomBytes(5000);
      const copy = Buffer.from(plain);
      qpp.write(plain.subarray(0, 1234));
      qpp.end(plain.subarray(1234));
      const wire: Buffer[] = [];
      for await (const chunk of far) wire.push(chunk as Buffer);
      assert.deepEqual(plain, copy);
      const expected = Buffer.from(plain);
      new QppCipher(pads, KEY).encrypt(expected);
      assert.deepEqual(Buffer.concat(wire), expected);
    }
  });

  it('decrypts what it reads from the inner stream', async () => {
    const [near, far] = wirePair();
    const qpp = wrapQpp(near, pads, KEY);
    const plain = randomBytes(3000);
    const wire = Buffer.from(plain);
    new QppCipher(pads, KEY).encrypt(wire);
    far.write(wire.subarray(0, 7));
    far.end(wire.subarray(7));
    const got: Buffer[] = [];
    for await (const chunk of qpp) got.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(got), plain);
  });

  it('round-trips 1 MB each way with random chunks, and a slow reader holds the writer back', async () => {
    const [near, far] = wirePair();
    const client = wrapQpp(near, pads, KEY);
    const server = wrapQpp(far, pads, KEY);
    const up = randomBytes(MB);
    const down = randomBytes(MB);
    let upInFlight = 0;
    let upMaxInFlight = 0;
    let downInFlight = 0;
    let downMaxInFlight = 0;

    const [, , gotUp, gotDown] = await Promise.all([
      produce(client, up, 1, (n) => {
        upInFlight += n;
        upMaxInFlight = Math.max(upMaxInFlight, upInFlight);
      }),
      produce(server, down, 2, (n) => {
        downInFlight += n;
        downMaxInFlight = Math.max(downMaxInFlight, downInFlight);
      }),
      consumeSlowly(server, 8192, (n) => {
        upInFlight -= n;
      }),
      consumeSlowly(client, 8192, (n) => {
        downInFlight -= n;
      }),
    ]);
    assert.ok(gotUp.equals(up), 'client to server');
    assert.ok(gotDown.equals(down), 'server to client');
    // Every stage buffers about 16 KB: without backpressure the writer would run the whole MB ahead.
    assert.ok(upMaxInFlight < 256 * 1024, `client wrote ${upMaxInFlight} bytes ahead of the reader`);
    assert.ok(downMaxInFlight < 256 * 1024, `server wrote ${downMaxInFlight} bytes ahead of the reader`);
  });

  it('carries 1 MB each way over a smux v2 stream with a small window, as kcptun uses it', async () => {
    const { client, server } = sessionPair(smuxConfig(2, { maxStreamBuffer: 65536 }));
    const accepted = acceptStream(server);
    const c = wrapQpp(client.openStream(), pads, KEY);
    const s = wrapQpp(await accepted, pads, KEY);
    const up = randomBytes(MB);
    const down = randomBytes(MB);
    const [atServer, atClient] = await Promise.all([
      readAll(s),
      readAll(c),
      writeAll(c, up),
      writeAll(s, down),
    ]);
    assert.ok(atServer.equals(up));
    assert.ok(atClient.equals(down));
    client.close();
    server.close();
  });

  it('pauses the inner stream while its own buffer is full, chunk by chunk', async () => {
    // A PassThrough as the inner stream is a loopback that keeps chunk boundaries; both directions
    // start their keystream at 0, so the wrapper reads back what the raw ciphertext encodes.
    const inner = new PassThrough();
    const qpp = wrapQpp(inner, pads, KEY);
    const chunkSize = 16 * 1024;
    const chunkCount = 64;
    const plain = randomBytes(chunkSize * chunkCount);
    const wire = Buffer.from(plain);
    new QppCipher(pads, KEY).encrypt(wire);
    for (let i = 0; i < chunkCount; i++) inner.write(wire.subarray(i * chunkSize, (i + 1) * chunkSize));
    inner.end();

    // Ask for data once, then stop reading: the wrapper must fill its buffer and then pause the inner.
    qpp.read(0);
    // The wrapper reads, pushes and pauses the inner stream within the turn that 'readable' ends.
    await once(qpp, 'readable');
    await new Promise(setImmediate);
    assert.ok(qpp.readableLength > 0, 'the wrapper did not read at all');
    assert.ok(qpp.readableLength <= 2 * chunkSize, `the wrapper buffered ${qpp.readableLength} bytes`);
    assert.equal(inner.isPaused(), true, 'the inner stream was not paused');
    assert.ok(inner.readableLength > plain.length / 2, 'the inner stream was drained anyway');

    const got: Buffer[] = [];
    for await (const chunk of qpp) got.push(chunk as Buffer);
    assert.ok(Buffer.concat(got).equals(plain));
  });

  it('completes a write only when the inner stream took it', async () => {
    const inner = new PassThrough();
    const qpp = wrapQpp(inner, pads, KEY);
    const chunkSize = 16 * 1024;
    const chunkCount = 16;
    const plain = randomBytes(chunkSize * chunkCount);
    let completed = 0;
    for (let i = 0; i < chunkCount; i++) {
      qpp.write(plain.subarray(i * chunkSize, (i + 1) * chunkSize), () => completed++);
    }
    qpp.end();
    // A wrapper that completed writes without the inner stream taking them would have done so by now.
    await new Promise(setImmediate);
    assert.ok(completed < chunkCount, 'every write completed although nobody read the inner stream');
    const got: Buffer[] = [];
    for await (const chunk of qpp) got.push(chunk as Buffer);
    assert.ok(Buffer.concat(got).equals(plain));
    assert.equal(completed, chunkCount);
  });
});

/** Everything a stream yields until 'end', without destroying it afterwards (as for-await would). */
async function collectText(stream: Duplex): Promise<string> {
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  await once(stream, 'end');
  return text;
}

describe('wrapQpp end and destroy propagation', () => {
  it('end() ends the inner stream after the data, and the inner end ends the wrapper', async () => {
    const [near, far] = wirePair();
    const client = wrapQpp(near, pads, KEY);
    const server = wrapQpp(far, pads, KEY);
    const closed = Promise.all([once(client, 'close'), once(server, 'close')]);
    const order: string[] = [];
    near.on('finish', () => order.push('inner finish'));
    client.on('finish', () => order.push('wrapper finish'));
    const serverText = collectText(server);
    client.write('hello ');
    client.end('world');
    assert.equal(await serverText, 'hello world');
    assert.deepEqual(order, ['inner finish', 'wrapper finish']);

    const clientText = collectText(client);
    server.end('bye');
    assert.equal(await clientText, 'bye');
    await closed;
    assert.equal(client.errored, null);
    assert.equal(server.errored, null);
    assert.equal(near.destroyed && far.destroyed, true);
  });

  it('keeps data it already read when the inner stream closes gracefully', async () => {
    const [near, far] = wirePair();
    const client = wrapQpp(near, pads, KEY);
    const server = wrapQpp(far, pads, KEY);
    client.end('kept');
    server.end();
    server.read(0);
    await Promise.all([once(far, 'close'), once(client, 'finish')]);
    assert.equal(server.destroyed, false);
    assert.equal(await collectText(server), 'kept');
  });

  it('destroying the wrapper destroys the inner stream', async () => {
    const inner = new PassThrough();
    const qpp = wrapQpp(inner, pads, KEY);
    qpp.destroy();
    await once(inner, 'close');
    assert.equal(inner.destroyed, true);
    assert.equal(qpp.errored, null);
  });

  it('destroying the wrapper with an error reports it on the wrapper and destroys the inner stream', async () => {
    const [near, far] = wirePair();
    far.on('error', () => {});
    const client = wrapQpp(near, pads, KEY);
    client.destroy(new Error('local failure'));
    const [err] = await once(client, 'error');
    assert.equal((err as Error).message, 'local failure');
    assert.equal(near.destroyed, true);
  });

  it('an abrupt close of the inner stream destroys the wrapper without an error', async () => {
    const inner = new PassThrough();
    const qpp = wrapQpp(inner, pads, KEY);
    let errored = false;
    qpp.on('error', () => {
      errored = true;
    });
    inner.destroy();
    await once(qpp, 'close');
    assert.equal(qpp.destroyed, true);
    assert.equal(errored, false);
  });

  it('an inner error becomes the wrapper error', async () => {
    const [near, far] = wirePair();
    far.on('error', () => {});
    const client = wrapQpp(near, pads, KEY);
    near.destroy(new Error('connection reset'));
    const [err] = await once(client, 'error');
    assert.equal((err as Error).message, 'connection reset');
    assert.equal(client.destroyed, true);
  });
});
