import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { exchange, sha256 } from '../../test/support/transfer.js';

/** An exchange that has not finished after this long counts as failed. */
const EXCHANGE_TIMEOUT_MS = 60_000;

export interface LiveCounts {
  completed: number;
  failed: number;
  /** Exchanges whose echo came back different from what was sent: must stay 0. */
  corrupted: number;
  bytes: number;
}

/** Echo exchanges through the tunnel on new connections, counted: each sends random bytes and checks the echo. */
export class EchoChecker {
  readonly counts: LiveCounts = { completed: 0, failed: 0, corrupted: 0, bytes: 0 };
  readonly failures: string[] = [];

  constructor(protected readonly port: number) {}

  snapshot(): LiveCounts {
    return { ...this.counts };
  }

  /** One exchange of `bytes` on a new connection; true if it came back intact. */
  async once(bytes: number): Promise<boolean> {
    const data = randomBytes(bytes);
    const socket = net.connect({ port: this.port, host: '127.0.0.1' });
    socket.on('error', () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const got = await exchange(socket, data, bytes, EXCHANGE_TIMEOUT_MS);
      if (got !== sha256(data)) {
        this.counts.corrupted++;
        this.failures.push(`corrupted: ${bytes} bytes came back with another sha256`);
        return false;
      }
      this.counts.completed++;
      this.counts.bytes += bytes;
      return true;
    } catch (err) {
      socket.destroy();
      this.counts.failed++;
      this.failures.push((err as Error).message);
      return false;
    }
  }
}

/**
 * The real client's traffic during a fuzz run: `streams` loops, each connecting to the tunnel, sending
 * `bytes` random bytes to the echo target and reading them back, checking the sha256, and starting over.
 */
export class LiveTransfer extends EchoChecker {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    port: number,
    private readonly streams: number,
    private readonly bytes: number,
  ) {
    super(port);
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.streams }, () => this.loop());
  }

  /** Let every loop finish the exchange it is in, then stop. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** One exchange of the configured size. */
  verify(): Promise<boolean> {
    return this.once(this.bytes);
  }

  private async loop(): Promise<void> {
    while (this.running) await this.once(this.bytes);
  }
}
