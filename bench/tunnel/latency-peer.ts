/**
 * The processes of `bench:tunnel --latency`, each alone on its event loop so that what one measures is the
 * tunnel, not the benchmark's own work (hashing, payload handling):
 *
 *   target              a TCP server; a connection's first byte picks echo (E), an endless source (D),
 *                       or else a sink that discards. Prints "port N".
 *   bulk PORT DIR SEC   one stream through the tunnel, up (writes) or down (reads) for SEC seconds.
 *                       Prints {"bytes":N,"seconds":S}: bytes handed to or read from the kernel.
 *   probe PORT N MS WAIT one echo stream: a warm-up round trip, WAIT ms, then N round trips of 64 bytes
 *                       started every MS ms (or back to back when one takes longer). Prints {"rtts":[...]}.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const ECHO = 0x45;
const SOURCE = 0x44;
const SINK = 0x55;
const CHUNK = randomBytes(1 << 20);
const PROBE_BYTES = 64;

function serveTarget(): void {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.once('data', (first: Buffer) => {
      if (first[0] === ECHO) {
        socket.write(first.subarray(1));
        socket.on('data', (d: Buffer) => socket.write(d));
      } else if (first[0] === SOURCE) {
        const pump = (): void => {
          while (!socket.destroyed && socket.write(CHUNK));
        };
        socket.on('drain', pump);
        pump();
      } else {
        socket.resume();
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(`port ${(server.address() as net.AddressInfo).port}`);
  });
}

function open(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

async function bulk(port: number, direction: string, seconds: number): Promise<void> {
  const socket = await open(port);
  socket.on('error', () => {});
  const start = performance.now();
  let bytes = 0;
  if (direction === 'up') {
    socket.write(Buffer.from([SINK]));
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      if (!socket.write(CHUNK)) await new Promise((r) => socket.once('drain', r));
    }
    bytes = socket.bytesWritten - socket.writableLength;
  } else {
    socket.write(Buffer.from([SOURCE]));
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
  const socket = await open(port);
  let pending = 0;
  let wake: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    pending += d.length;
    wake?.();
  });
  const request = Buffer.alloc(PROBE_BYTES, 1);
  const roundTrip = async (): Promise<number> => {
    const start = performance.now();
    socket.write(request);
    while (pending < PROBE_BYTES) await new Promise<void>((r) => (wake = r));
    pending -= PROBE_BYTES;
    return performance.now() - start;
  };
  socket.write(Buffer.from([ECHO]));
  await roundTrip();
  await sleep(waitMs);
  const rtts: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    rtts.push(await roundTrip());
    const rest = start + intervalMs - performance.now();
    if (rest > 0) await sleep(rest);
  }
  socket.destroy();
  console.log(JSON.stringify({ rtts }));
}

const [role, ...args] = process.argv.slice(2);
const n = args.map(Number);
if (role === 'target') serveTarget();
else if (role === 'bulk') await bulk(n[0], args[1], n[2]);
else if (role === 'probe') await probe(n[0], n[1], n[2], n[3]);
else {
  console.error('usage: latency-peer target | bulk PORT up|down SEC | probe PORT N MS WAIT');
  process.exit(2);
}
