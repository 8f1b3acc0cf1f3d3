/**
 * The processes of `bench:tunnel --latency`, each alone on its event loop so that what one measures is the
 * tunnel, not the benchmark's own work (hashing, payload handling):
 *
 *   target               the tunnel's target: echoes a probe's stream itself and hands every bulk stream
 *                        (Discard, Stream) to a child, `bulk-target`, so that an echo never waits behind the
 *                        load's reads or writes in the same event loop. Prints "port N".
 *   bulk-target          (forked by target) serves the bulk streams it is handed.
 *   bulk PORT DIR SEC [RATE]
 *                        one stream through the tunnel, up (writes) or down (reads) for SEC seconds, at
 *                        RATE bytes/s from its source when given and positive (else as fast as the tunnel
 *                        takes it). Prints {"bytes":N,"seconds":S}: bytes handed to or read from the kernel.
 *   probe PORT N MS WAIT a Prober: its warm-up round trip, WAIT ms, then N round trips of 64 bytes started
 *                        every MS ms (or back to back when one takes longer). Prints {"rtts":[...]}.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Prober } from './probe.js';
import { HEADER_BYTES, header, Mode } from './target.js';
import { connect } from './transfer.js';

const CHUNK_BYTES = 1 << 20;
/**
 * How often a paced source (--load-rate) tops its socket up to the bytes due by then: short, so that the
 * load arrives as a stream rather than as a burst per tick that the tunnel clears at full speed and then
 * idles (at 56 MiB/s a tick carries 112 KiB, about 80 datagrams). Node's timers do not go below 1 ms.
 */
const PACE_TICK_MS = 2;
/** Bound on connecting and on any one round trip. */
const TIMEOUT_MS = 60_000;

/**
 * Read the header, then echo (Mode.Echo) here or hand the socket to `bulk` with its mode. What the bulk
 * stream sent after its header may be lost in the hand-over: Discard drops it anyway, and a Stream client
 * sends nothing but its header.
 */
async function serveTarget(): Promise<void> {
  const bulk = fork(fileURLToPath(import.meta.url), ['bulk-target'], { stdio: 'inherit' });
  await new Promise((resolve) => bulk.once('message', resolve));
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const readHeader = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < HEADER_BYTES) return;
      socket.off('data', readHeader);
      const mode = head[0];
      if (mode === Mode.Echo) {
        if (head.length > HEADER_BYTES) socket.write(head.subarray(HEADER_BYTES));
        socket.on('data', (data: Buffer) => socket.write(data));
      } else if (mode === Mode.Discard || mode === Mode.Stream) {
        socket.pause();
        bulk.send([mode, Number(head.readBigUInt64BE(5))], socket);
      } else {
        socket.destroy();
      }
    };
    socket.on('data', readHeader);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log(`port ${(server.address() as net.AddressInfo).port}`);
}

function serveBulk(): void {
  const payload = randomBytes(CHUNK_BYTES);
  process.on('disconnect', () => process.exit(0));
  process.on('message', ([mode, rate]: [number, number], socket: net.Socket | undefined) => {
    if (socket === undefined) return;
    socket.on('error', () => {});
    if (mode === Mode.Discard) {
      socket.resume();
      return;
    }
    if (rate > 0) {
      paced(socket, payload, rate);
      return;
    }
    const pump = (): void => {
      while (!socket.destroyed && socket.write(payload));
    };
    socket.on('drain', pump);
    pump();
  });
  process.send!('ready');
}

/**
 * Write `payload` over and over to `socket` at `rate` bytes/s until it closes: every PACE_TICK_MS, what has
 * fallen due since the start, written only while the socket has taken all before it, so that a tunnel that
 * cannot keep up queues in itself, not in this writer (which then falls behind the rate).
 */
function paced(socket: net.Socket, payload: Buffer, rate: number): void {
  const start = performance.now();
  let sent = 0;
  const tick = (): void => {
    if (socket.destroyed) return;
    const due = Math.floor((rate * (performance.now() - start)) / 1000);
    if (socket.writableLength === 0 && due > sent) {
      const n = Math.min(due - sent, payload.length);
      socket.write(payload.subarray(0, n));
      sent += n;
    }
    setTimeout(tick, PACE_TICK_MS);
  };
  tick();
}

async function bulk(port: number, direction: string, seconds: number, rate: number): Promise<void> {
  const socket = await connect(port, AbortSignal.timeout(TIMEOUT_MS));
  const start = performance.now();
  let bytes = 0;
  if (direction === 'up') {
    socket.write(header(Mode.Discard, 0, 0));
    const chunk = randomBytes(CHUNK_BYTES);
    if (rate > 0) {
      paced(socket, chunk, rate);
      await sleep(seconds * 1000);
    } else {
      const end = start + seconds * 1000;
      while (performance.now() < end) {
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
    }
    bytes = socket.bytesWritten - socket.writableLength;
  } else {
    // The header's length field carries the rate to the source (0: unpaced).
    socket.write(header(Mode.Stream, 0, rate));
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
else if (role === 'bulk-target') serveBulk();
else if (role === 'bulk') await bulk(n[0], args[1], n[2], n[3] || 0);
else if (role === 'probe') await probe(n[0], n[1], n[2], n[3]);
else {
  console.error(
    'usage: latency-peer target | bulk-target | bulk PORT up|down SEC [RATE] | probe PORT N MS WAIT',
  );
  process.exit(2);
}
