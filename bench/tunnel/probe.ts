import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { header, Mode } from './target.js';
import { connect, TIMED_OUT, unlessAborted } from './transfer.js';

/** The size of one request and of its echoed response. */
export const PROBE_BYTES = 64;

export interface ProbeResult {
  /** Round-trip times in milliseconds, in the order measured. */
  rttsMs: number[];
  error?: string;
}

/**
 * A latency probe: its own stream through the tunnel to the echo service, on which it sends 64 bytes and
 * waits for the same 64 bytes back, over and over, while a bulk transfer shares the tunnel.
 */
export class Prober {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly request = Buffer.alloc(PROBE_BYTES);

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Open the probe stream and make one round trip, so the stream exists before anything is timed. */
  static async open(port: number, signal: AbortSignal): Promise<Prober> {
    const socket = await connect(port, signal);
    socket.write(header(Mode.Echo, 0, 0));
    const prober = new Prober(socket);
    const first = await unlessAborted(prober.roundTrip(0), signal);
    if (first === TIMED_OUT) {
      prober.close();
      throw new Error('the probe stream got no echo');
    }
    return prober;
  }

  /**
   * Probe every `intervalMs` (or back to back when a round trip takes longer) until `until` settles,
   * `maxProbes` are done or `signal` aborts. Never rejects.
   */
  async run(
    maxProbes: number,
    intervalMs: number,
    until: Promise<unknown>,
    signal: AbortSignal,
  ): Promise<ProbeResult> {
    let stopped = false;
    const stop = (): void => {
      stopped = true;
    };
    until.then(stop, stop);
    const rttsMs: number[] = [];
    try {
      for (let i = 1; i <= maxProbes && !stopped; i++) {
        const start = performance.now();
        const rtt = await unlessAborted(this.roundTrip(i), signal);
        if (rtt === TIMED_OUT) return { rttsMs, error: `probe ${TIMED_OUT}` };
        rttsMs.push(rtt);
        const rest = start + intervalMs - performance.now();
        if (rest > 0) await sleep(rest);
      }
      return { rttsMs };
    } catch (err) {
      return { rttsMs, error: (err as Error).message };
    }
  }

  close(): void {
    this.socket.destroy();
  }

  /** One request and its echo; resolves with the round-trip time in ms. */
  private async roundTrip(seq: number): Promise<number> {
    this.request.fill(seq & 0xff);
    this.request.writeUInt32BE(seq, 0);
    const start = performance.now();
    this.socket.write(Buffer.from(this.request));
    while (this.pendingBytes < PROBE_BYTES) {
      if (this.closed) throw new Error('the probe stream closed');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
    const rtt = performance.now() - start;
    const response = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (response.length !== PROBE_BYTES || !response.equals(this.request)) {
      throw new Error('the probe echo differs from the request');
    }
    return rtt;
  }
}
