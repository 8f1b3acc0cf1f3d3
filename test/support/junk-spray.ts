import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { isMainThread, Worker, workerData } from 'node:worker_threads';

/** What the spraying thread is given. */
interface SprayData {
  junkSprayPort: number;
  perSecond: number;
  /** One Int32: datagrams sent so far. */
  sent: SharedArrayBuffer;
}

/** Junk datagrams are 0 to this many bytes long, so some are longer than any KCP datagram (1500). */
const MAX_JUNK_BYTES = 2000;
/** The spraying thread's tick. */
const TICK_MS = 1;
/**
 * A tick after a longer gap (the thread was descheduled) sends at most this much time's worth: a flood
 * does not catch up on what it did not send.
 */
const MAX_GAP_MS = 10;

/**
 * Random datagrams to 127.0.0.1:`port` at a fixed rate, from a thread of their own: as a flood from
 * elsewhere arrives, whatever the receiver's event loop is doing. A spray on the receiver's own thread
 * sends only between the receiver's reads, and as fast as that loop turns: with dgram's 32 datagrams read
 * per turn, 50 sent per turn kept a small socket buffer full at every send of the live session, and the
 * test measured that race rather than the listener (docs/sturdiness-garbage-flood-2026-12-06-garbage27.md).
 */
export class JunkSpray {
  private constructor(
    private readonly worker: Worker,
    private readonly counter: Int32Array,
  ) {}

  static async start(port: number, perSecond: number): Promise<JunkSpray> {
    const sent = new SharedArrayBuffer(4);
    const data: SprayData = { junkSprayPort: port, perSecond, sent };
    const worker = new Worker(new URL(import.meta.url), { workerData: data });
    await once(worker, 'online');
    return new JunkSpray(worker, new Int32Array(sent));
  }

  /** Datagrams sent so far. */
  get sent(): number {
    return Atomics.load(this.counter, 0);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

function spray(data: SprayData): void {
  const socket = dgram.createSocket('udp4');
  const counter = new Int32Array(data.sent);
  let last = performance.now();
  let owed = 0;
  setInterval(() => {
    const now = performance.now();
    owed += (Math.min(now - last, MAX_GAP_MS) * data.perSecond) / 1000;
    last = now;
    for (; owed >= 1; owed--) {
      socket.send(randomBytes(Math.floor(Math.random() * MAX_JUNK_BYTES)), data.junkSprayPort, '127.0.0.1');
      Atomics.add(counter, 0, 1);
    }
  }, TICK_MS);
}

if (!isMainThread && (workerData as Partial<SprayData> | null)?.junkSprayPort !== undefined) {
  spray(workerData as SprayData);
}
