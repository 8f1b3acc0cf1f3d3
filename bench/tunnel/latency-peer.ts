/**
 * The processes of `bench:tunnel --latency`, each alone on its event loop so that what one measures is the
 * tunnel, not the benchmark's own work (hashing, payload handling):
 *
 *   target               a BenchTarget (echo, and Discard and Stream for the load). Prints "port N".
 *   bulk PORT DIR SEC    one stream through the tunnel, up (writes) or down (reads) for SEC seconds.
 *                        Prints {"bytes":N,"seconds":S}: bytes handed to or read from the kernel.
 *   probe PORT N MS WAIT a Prober: its warm-up round trip, WAIT ms, then N round trips of 64 bytes started
 *                        every MS ms (or back to back when one takes longer). Prints {"rtts":[...]}.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Prober } from './probe.js';
import { BenchTarget, header, Mode } from './target.js';
import { connect } from './transfer.js';

const CHUNK_BYTES = 1 << 20;
/** Bound on connecting and on any one round trip. */
const TIMEOUT_MS = 60_000;

async function serveTarget(): Promise<void> {
  const target = await BenchTarget.start(randomBytes(CHUNK_BYTES));
  console.log(`port ${target.port}`);
}

async function bulk(port: number, direction: string, seconds: number): Promise<void> {
  const socket = await connect(port, AbortSignal.timeout(TIMEOUT_MS));
  const start = performance.now();
  let bytes = 0;
  if (direction === 'up') {
    socket.write(header(Mode.Discard, 0, 0));
    const chunk = randomBytes(CHUNK_BYTES);
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    }
    bytes = socket.bytesWritten - socket.writableLength;
  } else {
    socket.write(header(Mode.Stream, 0, 0));
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
    });
    await sleep(seconds * 1000);
  }
  const elapsed = (performance.now() - start) / 1000;
  socket.destroy();
  console.log(JSON.stringify({ bytes, seconds: elapsed }));
}

async function probe(port: number, count: number, intervalMs: number, waitMs: number): Promise<void> {
  const signal = AbortSignal.timeout(TIMEOUT_MS + count * intervalMs + waitMs);
  const prober = await Prober.open(port, signal);
  await sleep(waitMs);
  const result = await prober.run(count, intervalMs, new Promise(() => {}), signal);
  prober.close();
  if (result.error !== undefined) throw new Error(result.error);
  console.log(JSON.stringify({ rtts: result.rttsMs }));
}

const [role, ...args] = process.argv.slice(2);
const n = args.map(Number);
if (role === 'target') await serveTarget();
else if (role === 'bulk') await bulk(n[0], args[1], n[2]);
else if (role === 'probe') await probe(n[0], n[1], n[2], n[3]);
else {
  console.error('usage: latency-peer target | bulk PORT up|down SEC | probe PORT N MS WAIT');
  process.exit(2);
}
