/**
 * smux session throughput: a client/server session pair over the in-memory connection of the tests
 * (asynchronous delivery, 64 KiB link high-water mark), one stream and 16 concurrent streams, one way.
 * What is measured is framing, scheduling, flow control and Node stream plumbing, not a network.
 */

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { defaultSmuxConfig, type SmuxConfig, SmuxSession, type SmuxStream } from '../src/smux/index.js';
import { memoryConnectionPair } from '../test/smux/memory-connection.js';

const TOTAL_BYTES = 64 << 20;
/** Runs per figure; the median is reported (the machine is shared, single runs are noisy). */
const RUNS = 3;
/** The size of a socket read that the tunnel would write into a stream. */
const WRITE_SIZE = 65536;

async function transfer(config: SmuxConfig, streamCount: number): Promise<number> {
  const [clientConn, serverConn] = memoryConnectionPair();
  const client = SmuxSession.client(clientConn, config);
  const server = SmuxSession.server(serverConn, config);
  const perStream = TOTAL_BYTES / streamCount;
  const block = randomBytes(WRITE_SIZE);
  const received: Promise<void>[] = [];
  server.on('stream', (s: SmuxStream) => {
    received.push(
      new Promise((resolve) => {
        let bytes = 0;
        s.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        s.on('end', () => {
          if (bytes !== perStream) throw new Error(`stream ${s.id}: ${bytes} of ${perStream} bytes`);
          resolve();
        });
      }),
    );
  });
  const start = process.hrtime.bigint();
  const senders = Array.from({ length: streamCount }, async () => {
    const stream = client.openStream();
    for (let sent = 0; sent < perStream; sent += WRITE_SIZE) {
      if (!stream.write(block)) await once(stream, 'drain');
    }
    stream.end();
  });
  await Promise.all(senders);
  while (received.length < streamCount) await new Promise((r) => setImmediate(r));
  await Promise.all(received);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  client.close();
  server.close();
  return TOTAL_BYTES / 1e6 / seconds;
}

async function median(config: SmuxConfig, streamCount: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await transfer(config, streamCount));
  samples.sort((a, b) => a - b);
  return samples[RUNS >> 1];
}

function line(label: string, mbPerSecond: number): string {
  return `${label.padEnd(44)} ${mbPerSecond.toFixed(0).padStart(6)} MB/s`;
}

export async function run(): Promise<string[]> {
  const v1 = { ...defaultSmuxConfig(), version: 1 as const };
  // kcptun latest: v2, 8 KiB frames, 2 MiB stream window.
  const v2 = { ...defaultSmuxConfig(), version: 2 as const, maxFrameSize: 8192 };
  await transfer(v1, 1); // warm-up
  const lines = [
    `smux over an in-memory link, ${TOTAL_BYTES >> 20} MiB one way, ${WRITE_SIZE}-byte writes, median of ${RUNS}`,
  ];
  for (const [name, config] of [
    ['v1, 32 KiB frames', v1],
    ['v2, 8 KiB frames', v2],
  ] as const) {
    lines.push(line(`${name}, 1 stream`, await median(config, 1)));
    lines.push(line(`${name}, 16 streams`, await median(config, 16)));
  }
  return lines;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const text of await run()) console.log(text);
}
