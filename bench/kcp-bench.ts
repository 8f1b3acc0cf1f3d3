/**
 * KCP state-machine throughput: a stream pushed through two Kcp instances over a lossless in-memory link,
 * mss 1298 (mtu 1350 with 28 reserved bytes: CFB + FEC headers), fast mode, server windows. Measures the
 * ARQ alone: send, flush, input, ACKs, recv. Datagrams are copied into preallocated slots, as a transport
 * copies them out of the reused output buffer.
 */
import { pathToFileURL } from 'node:url';
import { Kcp } from '../src/kcp/index.js';

const MTU = 1350;
const RESERVED = 28;
const WINDOW = 1024;
const WRITE_CHUNK = 64 * 1024;
const MB = 1024 * 1024;
const WARMUP_BYTES = 16 * MB;
const MEASURED_BYTES = 256 * MB;

/** Datagrams in flight in one direction, copied into reused slots. */
class Wire {
  private readonly slots: Buffer[] = [];
  private readonly lengths: number[] = [];
  count = 0;
  total = 0;

  put(buf: Buffer, len: number): void {
    if (this.count === this.slots.length) {
      this.slots.push(Buffer.allocUnsafe(MTU));
      this.lengths.push(0);
    }
    buf.copy(this.slots[this.count], 0, RESERVED, len);
    this.lengths[this.count] = len - RESERVED;
    this.count++;
    this.total++;
  }

  deliverTo(kcp: Kcp, now: number): void {
    // the receiver may answer (and refill this wire) only through its own output, never this one
    for (let i = 0; i < this.count; i++) kcp.input(this.slots[i], 0, this.lengths[i], now);
    this.count = 0;
  }
}

function createKcp(wire: Wire): Kcp {
  const kcp = new Kcp(0x12345678, (buf, len) => wire.put(buf, len));
  kcp.setNoDelay(0, 30, 2, 1);
  kcp.setWindowSize(WINDOW, WINDOW);
  kcp.setMtu(MTU);
  kcp.reserveBytes(RESERVED);
  return kcp;
}

interface Result {
  seconds: number;
  bytes: number;
  datagrams: number;
}

/** Move `bytes` from a to b; the clock advances 1 ms per round trip of the loop. */
function transfer(bytes: number): Result {
  const aToB = new Wire();
  const bToA = new Wire();
  const a = createKcp(aToB);
  const b = createKcp(bToA);
  const chunk = Buffer.alloc(WRITE_CHUNK, 0x5a);
  let sent = 0;
  let received = 0;
  let now = 0;
  const start = process.hrtime.bigint();
  while (received < bytes) {
    while (sent < bytes && a.waitSnd < Math.min(a.sndWnd, a.rmtWnd)) {
      const n = Math.min(WRITE_CHUNK, bytes - sent);
      a.send(n === WRITE_CHUNK ? chunk : chunk.subarray(0, n));
      sent += n;
      a.flush(false, now);
    }
    aToB.deliverTo(b, now);
    for (let data = b.recv(); data !== null; data = b.recv()) received += data.length;
    b.flush(false, now);
    bToA.deliverTo(a, now);
    now++;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, bytes, datagrams: aToB.total + bToA.total };
}

export async function run(): Promise<string[]> {
  transfer(WARMUP_BYTES);
  const r = transfer(MEASURED_BYTES);
  const mss = MTU - 24 - RESERVED;
  const segments = Math.ceil(r.bytes / mss);
  return [
    `kcp, lossless pair, mss ${mss}, window ${WINDOW}, ${r.bytes / MB} MB`,
    `${'data segments/s'.padEnd(20)} ${Math.round(segments / r.seconds).toLocaleString('en-US')}`,
    `${'MB/s'.padEnd(20)} ${(r.bytes / MB / r.seconds).toFixed(1)}`,
    `${'datagrams/s'.padEnd(20)} ${Math.round(r.datagrams / r.seconds).toLocaleString('en-US')} (data + ACK)`,
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const text of await run()) console.log(text);
}
