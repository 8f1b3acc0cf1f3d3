/**
 * smux session throughput: a client/server session pair over the in-memory connection of the tests
 * (asynchronous delivery, 64 KiB link high-water mark), one stream and 16 concurrent streams, one way.
 * What is measured is framing, scheduling, flow control and Node stream plumbing, not a network.
 * Then request/response under load: a 64-byte request echoed on its own stream while bulk streams
 * saturate the session, with the bulk bytes the client's writer put on the link between the request's
 * write() and its frame (the queueing the stream scheduler decides; the link's own 64 KiB is not in it).
 */

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { CMD_PSH } from '../src/smux/frame.js';
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

const PROBES = 200;
const REQUEST = Buffer.alloc(64, 0x72);
/** Pause between requests, so the request stream is idle again when the next one is written. */
const PROBE_GAP_MS = 2;

interface ProbeResult {
  rttMs: number[];
  bytesAhead: number[];
}

async function probeUnderLoad(config: SmuxConfig, bulkStreams: number): Promise<ProbeResult> {
  const [clientConn, serverConn] = memoryConnectionPair();
  const client = SmuxSession.client(clientConn, config);
  const server = SmuxSession.server(serverConn, config);
  const probe = client.openStream();
  server.on('stream', (s: SmuxStream) => {
    if (s.id === probe.id) s.on('data', (d: Buffer) => s.write(d));
    else s.resume();
  });
  const result: ProbeResult = { rttMs: [], bytesAhead: [] };
  let bulkBytes = 0;
  let requestWrittenAt = -1;
  const write = clientConn.write.bind(clientConn);
  clientConn.write = (frame: Buffer): boolean => {
    clientConn.written.length = 0; // the test helper keeps every frame; a benchmark must not
    if (requestWrittenAt >= 0 && frame[1] === CMD_PSH && frame.readUInt32LE(4) === probe.id) {
      result.bytesAhead.push(bulkBytes - requestWrittenAt);
      requestWrittenAt = -1;
    } else {
      bulkBytes += frame.length;
    }
    return write(frame);
  };
  const block = randomBytes(WRITE_SIZE);
  for (let i = 0; i < bulkStreams; i++) {
    // Writes until the session closes; a closed stream never drains, which ends the loop for good.
    const stream = client.openStream();
    void (async () => {
      while (!stream.destroyed) {
        if (!stream.write(block)) await once(stream, 'drain');
      }
    })();
  }
  await sleep(50); // every bulk stream under way
  for (let i = 0; i < PROBES; i++) {
    const start = process.hrtime.bigint();
    requestWrittenAt = bulkBytes;
    const echoed = once(probe, 'data');
    probe.write(REQUEST);
    await echoed;
    result.rttMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    await sleep(PROBE_GAP_MS);
  }
  client.close();
  server.close();
  return result;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function probeLine(label: string, r: ProbeResult): string {
  const ms = (p: number) => percentile(r.rttMs, p).toFixed(2);
  const kib = (p: number) => (percentile(r.bytesAhead, p) / 1024).toFixed(0);
  return `${label.padEnd(44)} p50/p99 ${ms(50)}/${ms(99)} ms, bulk bytes ahead ${kib(50)}/${kib(99)} KiB`;
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
  lines.push(`request/response (64 bytes, ${PROBES} times) while bulk streams saturate the session`);
  for (const bulkStreams of [1, 4]) {
    lines.push(probeLine(`v1, 32 KiB frames, ${bulkStreams} bulk`, await probeUnderLoad(v1, bulkStreams)));
  }
  return lines;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const text of await run()) console.log(text);
}
