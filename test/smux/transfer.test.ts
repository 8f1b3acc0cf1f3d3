import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SmuxConfig, SmuxStream } from '../../src/smux/index.js';
import {
  acceptStream,
  quiescent,
  randomBytes,
  readAll,
  sessionPair,
  sha256,
  smuxConfig,
  writeAll,
} from './helpers.js';
import type { MemoryLinkOptions } from './memory-connection.js';

/** Send `up` client→server and `down` server→client on one stream at the same time; check both arrive. */
async function oneStreamBothWays(config: SmuxConfig, up: Buffer, down: Buffer, link?: MemoryLinkOptions) {
  const { client, server, clientConn } = sessionPair(config, link);
  const accepted = acceptStream(server);
  const c = client.openStream();
  const s = await accepted;
  const [atServer, atClient] = await Promise.all([
    readAll(s),
    readAll(c),
    writeAll(c, up),
    writeAll(s, down),
  ]);
  assert.equal(sha256(atServer), sha256(up));
  assert.equal(sha256(atClient), sha256(down));
  await quiescent(clientConn);
  assert.equal(client.numStreams, 0, 'FIN both ways removes the stream');
  assert.equal(server.numStreams, 0);
  client.close();
  server.close();
}

async function manyStreamsBothWays(
  config: SmuxConfig,
  count: number,
  size: number,
  link?: MemoryLinkOptions,
) {
  const { client, server } = sessionPair(config, link);
  const serverSide = new Map<number, Promise<void>>();
  server.on('stream', (s: SmuxStream) => {
    serverSide.set(
      s.id,
      (async () => {
        const down = randomBytes(size);
        const [got] = await Promise.all([readAll(s), writeAll(s, down)]);
        // Each side sends back its hash of what it got after its own data, so both directions are checked.
        assert.equal(got.length, size);
        downloads.set(s.id, sha256(down));
        uploadsSeen.set(s.id, sha256(got));
      })(),
    );
  });
  const downloads = new Map<number, string>();
  const uploadsSeen = new Map<number, string>();
  const clientSide = Array.from({ length: count }, async () => {
    const c = client.openStream();
    const up = randomBytes(size);
    const [got] = await Promise.all([readAll(c), writeAll(c, up, 16384)]);
    return { id: c.id, up: sha256(up), down: sha256(got) };
  });
  const results = await Promise.all(clientSide);
  await Promise.all(serverSide.values());
  assert.equal(results.length, count);
  for (const r of results) {
    assert.equal(uploadsSeen.get(r.id), r.up, `upload on stream ${r.id}`);
    assert.equal(downloads.get(r.id), r.down, `download on stream ${r.id}`);
  }
  client.close();
  server.close();
}

for (const version of [1, 2] as const) {
  describe(`smux v${version} transfers`, () => {
    test('one stream, 10 MB each way', async () => {
      const mb10 = 10 * 1024 * 1024;
      await oneStreamBothWays(smuxConfig(version), randomBytes(mb10), randomBytes(mb10));
    });

    test('50 concurrent streams, 256 KB each way', async () => {
      await manyStreamsBothWays(smuxConfig(version, { maxFrameSize: 8192 }), 50, 256 * 1024);
    });

    test('1 MB each way over a link that re-cuts bytes at random (1..3000)', async () => {
      const link = { maxChunk: 3000, randomChunks: true, highWaterMark: 16384, seed: version };
      const config = smuxConfig(version, {
        maxFrameSize: 4096,
        maxReceiveBuffer: 262144,
        maxStreamBuffer: 131072,
      });
      await oneStreamBothWays(config, randomBytes(1 << 20), randomBytes(1 << 20), link);
    });

    test('8 streams, 128 KB each way, tiny link buffer and session buffer', async () => {
      const link = { maxChunk: 700, randomChunks: true, highWaterMark: 2048, seed: 7 + version };
      const config = smuxConfig(version, {
        maxFrameSize: 1000,
        maxReceiveBuffer: 20000,
        maxStreamBuffer: 8000,
      });
      await manyStreamsBothWays(config, 8, 128 * 1024, link);
    });
  });
}

test('frames never exceed maxFrameSize and each write() is one whole frame', async () => {
  const { client, server, clientConn } = sessionPair(smuxConfig(2, { maxFrameSize: 1000 }));
  const accepted = acceptStream(server);
  const c = client.openStream();
  const data = randomBytes(50_000);
  const s = await accepted;
  const [got] = await Promise.all([readAll(s), writeAll(c, data, 7777)]);
  assert.deepEqual(got, data);
  let payload = 0;
  for (const frame of clientConn.written) {
    const length = frame.readUInt16LE(2);
    assert.equal(frame.length, 8 + length);
    assert.ok(length <= 1000);
    if (frame[1] === 2) payload += length;
  }
  assert.equal(payload, data.length);
  client.close();
  server.close();
});

test('streams share a back-pressured link fairly (round robin per frame)', async () => {
  const { client, server, clientConn } = sessionPair(smuxConfig(1, { maxFrameSize: 4096 }), {
    highWaterMark: 16384,
  });
  server.on('stream', (s: SmuxStream) => s.resume());
  const a = client.openStream();
  const b = client.openStream();
  await Promise.all([writeAll(a, randomBytes(1 << 20)), writeAll(b, randomBytes(1 << 20))]);
  const sids = clientConn.written.filter((f) => f[1] === 2).map((f) => f.readUInt32LE(4));
  let longestRun = 0;
  let run = 0;
  for (let i = 0; i < sids.length; i++) {
    run = i > 0 && sids[i] === sids[i - 1] ? run + 1 : 1;
    longestRun = Math.max(longestRun, run);
  }
  assert.equal(sids.length, 512);
  assert.ok(longestRun <= 8, `longest run of one stream: ${longestRun} frames`);
  client.close();
  server.close();
});
