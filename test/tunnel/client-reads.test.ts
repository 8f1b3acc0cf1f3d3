/**
 * The client's local connections (the upload direction) read through socket-read.ts: what a client holds
 * while its server does not acknowledge is bounded per session, and a stall that ends delivers every byte.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { TunnelClient } from '../../src/tunnel/client.js';
import {
  SESSION_SHORT_READ_BYTES,
  SESSION_UNSENT_CAP,
  type SessionReads,
  SOCKET_READ_BYTES,
  SocketReader,
} from '../../src/tunnel/socket-read.js';
import { loopbackClientOptions, startServer } from '../robustness/tunnel-pair.js';
import { untilTurn } from '../support/turns.js';
import { UdpRelay } from '../support/udp-relay.js';

interface Started {
  /** The socket's local port when its reader started (a closed socket has none). */
  localPort: number | undefined;
  reader: SocketReader;
  socket: Duplex;
  stream: Duplex;
  session: SessionReads;
}

/** Every SocketReader started in this file, the server's too (a spy on SocketReader#start). */
const started: Started[] = [];
const realStart = SocketReader.prototype.start;

/** The readers of the client listening on `port`: their sockets are its accepted connections. */
function clientReaders(port: number): Started[] {
  return started.filter((s) => s.localPort === port);
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe("the client's local connections while its server does not acknowledge", () => {
  before(() => {
    SocketReader.prototype.start = function (socket, stream, session) {
      started.push({ localPort: (socket as net.Socket).localPort, reader: this, socket, stream, session });
      return realStart.call(this, socket, stream, session);
    };
  });
  after(() => {
    SocketReader.prototype.start = realStart;
  });

  test('200 connections uploading endlessly: the client holds its cap plus one short read per connection', async () => {
    const connections = 200;
    // a server that never answers: the client's session sends into it and hears nothing
    const silent = dgram.createSocket('udp4');
    silent.on('message', () => {});
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const client = new TunnelClient(loopbackClientOptions(silent.address().port));
    const uploaders: net.Socket[] = [];
    try {
      const { port } = (await client.start()) as net.AddressInfo;
      const chunk = Buffer.alloc(SOCKET_READ_BYTES, 0x75);
      for (let i = 0; i < connections; i++) {
        const c = net.connect(port, '127.0.0.1');
        c.on('error', () => {});
        const pump = (): void => {
          while (c.write(chunk)) {}
        };
        c.on('drain', pump);
        c.once('connect', pump);
        uploaders.push(c);
      }
      await untilTurn('every connection carried and every reader paused', () => {
        const readers = clientReaders(port);
        return readers.length === connections && readers.every((s) => s.reader.isPaused);
      });
      const readers = clientReaders(port);
      const held = readers.reduce((sum, s) => sum + s.reader.heldBytes, 0);
      const inStreams = readers.reduce((sum, s) => sum + s.stream.writableLength, 0);
      const readAhead = readers.reduce((sum, s) => sum + s.socket.readableLength, 0);
      const bound = SESSION_UNSENT_CAP + connections * SESSION_SHORT_READ_BYTES;
      // main: every connection held one 64 KiB read in its smux stream and one read ahead in its socket
      assert.ok(held <= bound, `held ${held} > ${bound}`);
      assert.ok(inStreams <= held, `streams hold ${inStreams}, readers count ${held}`);
      assert.equal(readAhead, 0);
      const session = readers[0]!.session;
      assert.ok(
        readers.every((s) => s.session === session),
        'one session (-conn 1)',
      );
      assert.ok(session.unsent <= bound, `held and room ${session.unsent} > ${bound}`);
      assert.ok(session.unsent > SESSION_UNSENT_CAP - SOCKET_READ_BYTES, `held and room ${session.unsent}`);
    } finally {
      for (const c of uploaders) c.destroy();
      client.close();
      silent.close();
    }
  });

  // a stall that never ended would hang: the timeout only turns that into a failure
  test('a stall that ends: every upload arrives intact, the account back at zero', {
    timeout: 120_000,
  }, async () => {
    const sizes = [0, 1, 8191, 8192, 8193, 65536, 65537, 300_000, 1 << 20];
    const uploads = Array.from({ length: 27 }, (_, i) => {
      const size = sizes[i % sizes.length]!;
      const data = Buffer.alloc(4 + size);
      data.writeUInt32BE(i, 0); // the upload's index: the target files it under that
      for (let j = 4; j < data.length; j++) data[j] = (i * 31 + j * 7) & 0xff;
      return data;
    });
    const received = new Map<number, string>();
    let allReceived = (): void => {};
    const whenAllReceived = new Promise<void>((resolve) => {
      allReceived = resolve;
    });
    const target = net.createServer((c) => {
      const parts: Buffer[] = [];
      c.on('error', () => {});
      c.on('data', (part: Buffer) => parts.push(part));
      c.on('end', () => {
        const all = Buffer.concat(parts);
        received.set(all.readUInt32BE(0), sha256(all));
        if (received.size === uploads.length) allReceived();
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const { server, port: serverPort } = await startServer({
      targetPort: (target.address() as net.AddressInfo).port,
    });
    // stalled from the start: nothing gets through either way until the relay lets it
    const relay = await UdpRelay.start(serverPort, { dropUp: 1, dropDown: 1 });
    const client = new TunnelClient(loopbackClientOptions(relay.port));
    try {
      const { port } = (await client.start()) as net.AddressInfo;
      for (const data of uploads) {
        const c = net.connect(port, '127.0.0.1');
        c.on('error', () => {});
        c.end(data);
      }
      // each reader stopped for lack of room or stream space, or read its whole upload
      await untilTurn('every upload carried and read as far as the stall lets it', () => {
        const readers = clientReaders(port);
        return (
          readers.length === uploads.length &&
          readers.every((s) => s.reader.isPaused || s.socket.readableEnded)
        );
      });
      const session = clientReaders(port)[0]!.session;
      assert.ok(session.unsent > 0, 'the stalled session holds the uploads');
      assert.equal(received.size, 0);
      relay.setLoss(0, 0);
      await whenAllReceived;
      for (let i = 0; i < uploads.length; i++) {
        assert.equal(received.get(i), sha256(uploads[i]!), `upload ${i}`);
      }
      await untilTurn('every stream released its account', () => session.unsent === 0);
    } finally {
      client.close();
      relay.close();
      server.close();
      target.close();
    }
  });
});
