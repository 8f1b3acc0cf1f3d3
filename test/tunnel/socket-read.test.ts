import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SmuxSession, SmuxStream } from '../../src/smux/index.js';
import { pipeBoth } from '../../src/tunnel/pipe.js';
import {
  readThrough,
  SESSION_SHORT_READ_BYTES,
  SESSION_UNSENT_CAP,
  SessionReads,
  SOCKET_READ_BYTES,
  SocketReader,
} from '../../src/tunnel/socket-read.js';
import { acceptStream, randomBytes, readAll, sessionPair, sha256, smuxConfig } from '../smux/helpers.js';
import { untilTurn } from '../support/turns.js';

/** A target whose every connection is written `pattern(i)` (the i-th connection), endlessly if null. */
function startTarget(pattern: (i: number) => Buffer | null): Promise<net.Server> {
  const endless = Buffer.alloc(64 * 1024, 0x78);
  let accepted = 0;
  const server = net.createServer((c) => {
    c.on('error', () => {});
    const data = pattern(accepted++);
    if (data !== null) {
      c.end(data);
      return;
    }
    const pump = (): void => {
      while (c.write(endless)) {}
    };
    c.on('drain', pump);
    pump();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A target that writes `data(i)` to its i-th connection at once and ends it only when the stream does. */
function startQuietTarget(data: (i: number) => Buffer): Promise<net.Server> {
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    c.on('error', () => {});
    const i = accepted++;
    c.write(data(i));
    c.on('end', () => c.end());
    if (data(i).length > SESSION_SHORT_READ_BYTES + SOCKET_READ_BYTES) c.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Resolve with the first `n` bytes `stream` delivers. */
function readBytes(stream: SmuxStream, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (part: Buffer): void => {
      parts.push(part);
      got += part.length;
      if (got >= n) {
        stream.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
  });
}

interface Served {
  reader: SocketReader;
  socket: net.Socket;
  stream: SmuxStream;
}

/** The server's wiring (tunnel/server.ts onStream): each accepted stream dials the target and pipes. */
function serveStreams(server: SmuxSession, port: number, reads = new SessionReads()): Served[] {
  const served: Served[] = [];
  server.on('stream', (stream: SmuxStream) => {
    const reader = new SocketReader();
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, onread: reader.onread });
    socket.on('error', () => {});
    socket.once('connect', () => {
      pipeBoth(
        stream,
        socket,
        0,
        () => {},
        (src, dst) => reader.start(src, dst, reads),
      );
      served.push({ reader, socket, stream });
    });
  });
  return served;
}

describe('SocketReader: what a session holds read from its targets', () => {
  const streams = 200;
  let endlessTarget: net.Server;
  before(async () => {
    endlessTarget = await startTarget(() => null);
  });
  after(() => endlessTarget.close());

  test('a stalled peer: the session holds its cap plus one short read per stream, and no socket reads ahead', async () => {
    const pair = sessionPair(smuxConfig(2));
    pair.clientConn.pause(); // the peer takes nothing: the server's connection stays back-pressured
    const port = (endlessTarget.address() as net.AddressInfo).port;
    const reads = new SessionReads();
    const served = serveStreams(pair.server, port, reads);
    for (let i = 0; i < streams; i++) pair.client.openStream();
    await untilTurn('every target connected and every reader paused', () => {
      return served.length === streams && served.every((s) => s.reader.isPaused);
    });
    const held = served.reduce((sum, s) => sum + s.reader.heldBytes, 0);
    const inStreams = served.reduce((sum, s) => sum + s.stream.writableLength, 0);
    const readAhead = served.reduce((sum, s) => sum + s.socket.readableLength, 0);
    const bound = SESSION_UNSENT_CAP + streams * SESSION_SHORT_READ_BYTES;
    // main: every stream held one 64 KiB read in smux and one read ahead in its socket (25 MiB here)
    assert.ok(held <= bound, `held ${held} > ${bound}`);
    assert.ok(inStreams <= held, `streams hold ${inStreams}, readers count ${held}`);
    assert.equal(readAhead, 0);
    // the room was used (read, or taken for the next reads): the first streams read on with 64 KiB reads
    assert.ok(reads.unsent <= bound, `held and room ${reads.unsent} > ${bound}`);
    assert.ok(reads.unsent > SESSION_UNSENT_CAP - SOCKET_READ_BYTES, `held and room ${reads.unsent}`);
    assert.ok(held > streams * SESSION_SHORT_READ_BYTES, `held ${held}`);
    pair.client.close();
    pair.server.close();
  });

  // with a deadlock this would hang: the timeout only turns that into a failure
  test('room held by streams whose targets went quiet after a full read does not stop a bulk stream', {
    timeout: 60_000,
  }, async () => {
    // each quiet target sends a short read's worth and one full read, then nothing: its stream keeps
    // room for a next 64 KiB read, and more of them than the cap has room for
    const quiet = Math.ceil(SESSION_UNSENT_CAP / SOCKET_READ_BYTES) + 4;
    const burst = randomBytes(SESSION_SHORT_READ_BYTES + SOCKET_READ_BYTES);
    const bulk = randomBytes(1 << 20);
    const target = await startQuietTarget((i) => (i < quiet ? burst : bulk));
    const pair = sessionPair(smuxConfig(2));
    try {
      const port = (target.address() as net.AddressInfo).port;
      const reads = new SessionReads();
      serveStreams(pair.server, port, reads);
      const bursts: Promise<Buffer>[] = [];
      for (let i = 0; i < quiet; i++) {
        const stream = pair.client.openStream();
        bursts.push(readBytes(stream, burst.length));
        await once(target, 'connection');
      }
      await Promise.all(bursts);
      assert.ok(reads.unsent >= SESSION_UNSENT_CAP - SOCKET_READ_BYTES, `room taken ${reads.unsent}`);
      const stream = pair.client.openStream();
      const got = await readAll(stream);
      assert.equal(sha256(got), sha256(bulk));
    } finally {
      pair.client.close();
      pair.server.close();
      target.close();
    }
  });

  test('a session that drains again delivers every stream intact, in order', async () => {
    const sizes = [0, 1, 2047, 2048, 2049, 65536, 65537, 300_000, 1 << 20];
    const data = Array.from({ length: 24 }, (_, i) => {
      const size = sizes[i % sizes.length]!;
      return Buffer.from(Array.from({ length: size }, (_, j) => (i * 31 + j * 7) & 0xff));
    });
    const target = await startTarget((i) => data[i]!);
    const pair = sessionPair(smuxConfig(2));
    try {
      pair.clientConn.pause();
      const port = (target.address() as net.AddressInfo).port;
      const served = serveStreams(pair.server, port);
      // one stream per connection, in the target's accept order
      const received: Promise<Buffer>[] = [];
      for (let i = 0; i < data.length; i++) {
        const stream = pair.client.openStream();
        received.push(readAll(stream));
        await once(target, 'connection');
      }
      await untilTurn('every target connected', () => served.length === data.length);
      pair.clientConn.resume();
      const got = await Promise.all(received);
      for (let i = 0; i < data.length; i++) {
        assert.equal(got[i]!.length, data[i]!.length, `stream ${i}`);
        assert.equal(sha256(got[i]!), sha256(data[i]!), `stream ${i}`);
      }
    } finally {
      pair.client.close();
      pair.server.close();
      target.close();
    }
  });

  test('a target still sending when the client ends its stream is read and dropped until it closes', async () => {
    // It sends until it sees our FIN, then closes: the pair must end at its close, not LINGER_MS later
    // (a reader that stopped reading never saw that close and held the socket for the whole linger).
    const chunk = Buffer.alloc(SOCKET_READ_BYTES, 0x61);
    let targetClosed = false;
    const target = net.createServer({ allowHalfOpen: true }, (c) => {
      c.on('error', () => {});
      let open = true;
      const pump = (): void => {
        while (open && c.write(chunk)) {}
      };
      c.on('drain', pump);
      c.on('end', () => {
        open = false;
        c.end();
      });
      c.on('close', () => {
        targetClosed = true;
      });
      pump();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const pair = sessionPair(smuxConfig(2));
    let done = false;
    try {
      const reads = new SessionReads();
      pair.server.on('stream', (stream: SmuxStream) => {
        const reader = new SocketReader();
        const port = (target.address() as net.AddressInfo).port;
        const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, onread: reader.onread });
        socket.on('error', () => {});
        socket.once('connect', () =>
          pipeBoth(
            stream,
            socket,
            0,
            () => {
              done = true;
            },
            (src, dst) => reader.start(src, dst, reads),
          ),
        );
      });
      const client = pair.client.openStream();
      await readBytes(client, 4 * SOCKET_READ_BYTES);
      client.end();
      client.resume();
      await untilTurn('the target closed and the pair ended', () => targetClosed && done);
      assert.equal(reads.unsent, 0, 'nothing counts for the session once the pair is gone');
    } finally {
      pair.client.close();
      pair.server.close();
      target.close();
    }
  });
});

describe('SocketReader: the size of its reads', () => {
  test('a source slower than its stream: from its second read on, every read is a 64 KiB one', async () => {
    // each piece is more than a short read and less than a long one, sent once the last has arrived: every
    // read returns less than its buffer (main: the read after each such read was a short one, half of them)
    const piece = randomBytes(20_000);
    const pieces = 12;
    let targetSide: net.Socket | null = null;
    const target = net.createServer((c) => {
      c.on('error', () => {});
      targetSide = c;
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const pair = sessionPair(smuxConfig(2));
    try {
      const reads: { bytes: number; buffer: number }[] = [];
      const sessionReads = new SessionReads();
      pair.server.on('stream', (stream: SmuxStream) => {
        const reader = new SocketReader();
        const onread = {
          buffer: reader.onread.buffer,
          callback: (bytes: number, buffer: Buffer): boolean => {
            reads.push({ bytes, buffer: buffer.length });
            return reader.onread.callback(bytes, buffer);
          },
        };
        const port = (target.address() as net.AddressInfo).port;
        const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, onread });
        socket.on('error', () => {});
        socket.once('connect', () =>
          pipeBoth(
            stream,
            socket,
            0,
            () => {},
            (src, dst) => reader.start(src, dst, sessionReads),
          ),
        );
      });
      const client = pair.client.openStream();
      let received = 0;
      client.on('data', (part: Buffer) => {
        received += part.length;
      });
      await untilTurn('the target connected', () => targetSide !== null);
      for (let i = 1; i <= pieces; i++) {
        targetSide!.write(piece);
        await untilTurn(`piece ${i} delivered`, () => received === i * piece.length);
      }
      assert.ok(
        reads.every((r) => r.bytes < SOCKET_READ_BYTES),
        'every read returned less than 64 KiB',
      );
      assert.equal(reads[0]!.buffer, SESSION_SHORT_READ_BYTES, "a stream's first read is short");
      const sizes = reads.slice(1).map((r) => r.buffer);
      assert.deepEqual(
        sizes,
        sizes.map(() => SOCKET_READ_BYTES),
      );
    } finally {
      pair.client.close();
      pair.server.close();
      target.close();
    }
  });
});

describe('readThrough: a connection a net.Server accepted, read through onread', () => {
  // a connection the listener went on counting would keep its close() from calling back: the timeout
  // only turns that into a failure
  test('its bytes come through the reader, and the listener counts it until it closes', {
    timeout: 60_000,
  }, async () => {
    const accepted: net.Socket[] = [];
    const listener = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => accepted.push(s));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const pair = sessionPair(smuxConfig(2));
    try {
      const data = randomBytes(300_000);
      const peer = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
      peer.on('error', () => {});
      peer.end(data);
      await untilTurn('the connection accepted', () => accepted.length === 1);
      const reader = new SocketReader();
      const socket = readThrough(accepted[0]!, reader.onread);
      assert.ok(socket !== null);
      const reads = new SessionReads();
      const got = acceptStream(pair.server).then(readAll);
      let done = false;
      pipeBoth(
        pair.client.openStream(),
        socket,
        0,
        () => {
          done = true;
        },
        (src, dst) => reader.start(src, dst, reads),
      );
      socket.resume();
      const counted = await new Promise<number>((resolve) => listener.getConnections((_, n) => resolve(n)));
      assert.equal(counted, 1);
      assert.equal(sha256(await got), sha256(data));
      await untilTurn('the pair ended', () => done);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      assert.equal(reads.unsent, 0);
    } finally {
      listener.close();
      pair.client.close();
      pair.server.close();
    }
  });
});
