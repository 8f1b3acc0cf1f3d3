import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { SmuxStream } from '../../src/smux/index.js';
import { acceptStream, quiescent, randomBytes, readAll, sessionPair, sha256, smuxConfig } from './helpers.js';

const PIECE = 16384;

/** Write `data` in pieces without waiting for 'drain'; counts bytes whose write callback has run. */
function writeEverything(stream: SmuxStream, data: Buffer): { acked: () => number } {
  let acked = 0;
  for (let at = 0; at < data.length; at += PIECE) {
    const piece = data.subarray(at, at + PIECE);
    stream.write(piece, () => {
      acked += piece.length;
    });
  }
  stream.end();
  return { acked: () => acked };
}

test('v2: a reader that does not read stops the sender at the initial 262144-byte window, then at maxStreamBuffer', async () => {
  const maxStreamBuffer = 1 << 20;
  const config = smuxConfig(2, { maxFrameSize: 32768, maxReceiveBuffer: 4 << 20, maxStreamBuffer });
  const { client, server, serverConn } = sessionPair(config);
  const accepted = acceptStream(server);
  const c = client.openStream();
  const data = randomBytes(4 << 20);
  const s = await accepted;
  const writer = writeEverything(c, data);
  await quiescent(serverConn);
  assert.equal(s.bufferedReceiveBytes, 262144, 'no byte beyond the initial window before any UPD');
  assert.equal(writer.acked(), 262144, 'write callbacks stall at the window');
  assert.ok(c.writableLength > 0, 'data still waiting in the writable buffer');
  assert.ok(serverConn.maxQueued <= 65536 + 32768 + 8, `link queue bounded (${serverConn.maxQueued})`);

  // One read of one frame (writes are not coalesced, so a frame is one 16 KiB piece) sends
  // UPD(consumed 16384, window 1 MiB): exactly 1 MiB may then be outstanding.
  const first = s.read() as Buffer;
  assert.equal(first.length, PIECE);
  await quiescent(serverConn);
  assert.equal(s.bufferedReceiveBytes, maxStreamBuffer, 'outstanding bytes = maxStreamBuffer');
  assert.equal(writer.acked(), PIECE + maxStreamBuffer);
  assert.equal(client.isClosed || server.isClosed, false);

  const rest = await readAll(s);
  assert.equal(sha256(Buffer.concat([first, rest])), sha256(data));
  await quiescent(serverConn);
  assert.equal(writer.acked(), data.length, 'all write callbacks ran');
  client.close();
  server.close();
});

test('v2: a new stream starts with the window the peer advertised on the session, not 262144', async () => {
  const maxStreamBuffer = 1 << 20;
  const config = smuxConfig(2, { maxFrameSize: 32768, maxReceiveBuffer: 8 << 20, maxStreamBuffer });
  const { client, server, serverConn } = sessionPair(config);
  // the first stream hears the peer's window in a UPD (its first read sends one)
  const firstAccepted = acceptStream(server);
  const first = client.openStream();
  const one = randomBytes(PIECE);
  writeEverything(first, one);
  assert.equal(sha256(await readAll(await firstAccepted)), sha256(one));
  await quiescent(serverConn);

  // the next stream's reader does not read, so no UPD of its own: its sender stops at the peer's
  // advertised window (1 MiB), not at smux's initial 262144
  const secondAccepted = acceptStream(server);
  const second = client.openStream();
  const data = randomBytes(4 << 20);
  const writer = writeEverything(second, data);
  const s = await secondAccepted;
  await quiescent(serverConn);
  assert.equal(s.bufferedReceiveBytes, maxStreamBuffer, 'no byte beyond the advertised window before a UPD');
  assert.equal(writer.acked(), maxStreamBuffer);
  const rest = await readAll(s);
  assert.equal(sha256(rest), sha256(data));
  client.close();
  server.close();
});

test('v2: a stream opened after the peer announced its window (rtt-prime.ts) starts with it, not 262144', async () => {
  const maxStreamBuffer = 1 << 20;
  const config = smuxConfig(2, { maxFrameSize: 32768, maxReceiveBuffer: 8 << 20, maxStreamBuffer });
  const { client, server, serverConn } = sessionPair(config);
  // the receiving end announces its window before any stream; its reader then never reads, so no UPD of
  // the stream's own: the sender stops at the announced window
  server.announceStreamWindow();
  await quiescent(serverConn);
  const accepted = acceptStream(server);
  const c = client.openStream();
  const data = randomBytes(4 << 20);
  const writer = writeEverything(c, data);
  const s = await accepted;
  await quiescent(serverConn);
  assert.equal(s.bufferedReceiveBytes, maxStreamBuffer, 'the announced window, before any UPD of the stream');
  assert.equal(writer.acked(), maxStreamBuffer);
  assert.equal(sha256(await readAll(s)), sha256(data));
  client.close();
  server.close();
});

test('v1: announcing a window sends nothing (v1 has no UPD), and the session stays up', async () => {
  const config = smuxConfig(1, { maxFrameSize: 32768, maxReceiveBuffer: 1 << 20, maxStreamBuffer: 65536 });
  const { client, server, serverConn } = sessionPair(config);
  server.announceStreamWindow();
  const accepted = acceptStream(server);
  const c = client.openStream();
  const data = randomBytes(PIECE);
  writeEverything(c, data);
  assert.equal(sha256(await readAll(await accepted)), sha256(data));
  await quiescent(serverConn);
  assert.equal(client.isClosed || server.isClosed, false);
  client.close();
  server.close();
});

test('v2: a stalled stream does not block another stream of the same session', async () => {
  const config = smuxConfig(2, { maxFrameSize: 8192, maxReceiveBuffer: 1 << 20, maxStreamBuffer: 262144 });
  const { client, server, serverConn } = sessionPair(config);
  const streams: SmuxStream[] = [];
  const bothAccepted = new Promise<void>((resolve) => {
    server.on('stream', (s: SmuxStream) => {
      if (streams.push(s) === 2) resolve();
    });
  });
  const stalled = client.openStream();
  const flowing = client.openStream();
  writeEverything(stalled, randomBytes(1 << 20));
  const data = randomBytes(4 << 20);
  writeEverything(flowing, data);
  await bothAccepted;
  const received = await readAll(streams[1]);
  assert.equal(sha256(received), sha256(data));
  await quiescent(serverConn);
  assert.equal(streams[0].bufferedReceiveBytes, 262144);
  client.close();
  server.close();
});

test('v1: without windows the session buffer (-smuxbuf) bounds what a non-reading receiver holds', async () => {
  const maxReceiveBuffer = 512 * 1024;
  const config = smuxConfig(1, { maxFrameSize: 32768, maxReceiveBuffer, maxStreamBuffer: 65536 });
  const linkHighWaterMark = 65536;
  const { client, server, serverConn } = sessionPair(config, { highWaterMark: linkHighWaterMark });
  const accepted = acceptStream(server);
  const c = client.openStream();
  const data = randomBytes(4 << 20);
  const s = await accepted;
  const writer = writeEverything(c, data);
  await quiescent(serverConn);
  assert.equal(s.bufferedReceiveBytes, maxReceiveBuffer, 'stops exactly when the budget is spent');
  assert.equal(serverConn.isPaused, true, 'connection paused');
  assert.ok(serverConn.queuedBytes <= linkHighWaterMark + 32768 + 8, `link holds ${serverConn.queuedBytes}`);
  const sent = writer.acked();
  assert.ok(
    sent < maxReceiveBuffer + 2 * linkHighWaterMark + 2 * PIECE,
    `sender stalled after ${sent} bytes`,
  );
  assert.ok(c.writableLength > 0, 'data still waiting in the writable buffer');
  await quiescent(serverConn);
  assert.equal(writer.acked(), sent, 'and stays stalled');

  const received = await readAll(s);
  assert.equal(sha256(received), sha256(data));
  assert.equal(serverConn.isPaused, false);
  client.close();
  server.close();
});

test('v2: a peer ignoring the window is still bounded by the session buffer', async () => {
  // The server advertises a huge window it cannot honour: maxStreamBuffer == maxReceiveBuffer.
  const config = smuxConfig(2, { maxFrameSize: 16384, maxReceiveBuffer: 300_000, maxStreamBuffer: 300_000 });
  const { client, server, serverConn } = sessionPair(config);
  const accepted = acceptStream(server);
  const c = client.openStream();
  const s = await accepted;
  writeEverything(c, randomBytes(1 << 20));
  await quiescent(serverConn);
  assert.equal(s.bufferedReceiveBytes, 262144, 'the initial window');
  s.read();
  await quiescent(serverConn);
  assert.ok(s.bufferedReceiveBytes <= 300_000 + 16384, `${s.bufferedReceiveBytes}`);
  assert.ok(serverConn.queuedBytes <= 65536 + 16384 + 8);
  client.close();
  server.close();
});

test('v2: piping into a slow destination keeps the receive buffer within the window', async () => {
  const maxStreamBuffer = 131072;
  const config = smuxConfig(2, { maxFrameSize: 8192, maxReceiveBuffer: 1 << 20, maxStreamBuffer });
  const { client, server } = sessionPair(config);
  const accepted = acceptStream(server);
  const c = client.openStream();
  const data = randomBytes(1 << 20);
  const s = await accepted;
  const parts: Buffer[] = [];
  let peak = 0;
  const slow = new Writable({
    highWaterMark: 16384,
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      peak = Math.max(peak, s.bufferedReceiveBytes);
      setTimeout(callback, 1);
    },
  });
  s.pipe(slow);
  writeEverything(c, data);
  await once(slow, 'finish');
  assert.equal(sha256(Buffer.concat(parts)), sha256(data));
  assert.ok(peak <= maxStreamBuffer, `peak receive buffer ${peak}`);
  assert.ok(peak >= maxStreamBuffer / 2, `the window was actually used (${peak})`);
  client.close();
  server.close();
});
