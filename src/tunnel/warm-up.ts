import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { snmp } from '../metrics/snmp.js';
import type { SmuxSession } from '../smux/index.js';
import { transportCounters } from '../transport/counters.js';
import { dialSocket, sessionOver } from '../transport/dial.js';
import { createMux } from './mux.js';
import { primeRtt, primesRtt } from './rtt-prime.js';
import type { ServerOptions } from './server.js';

/**
 * Connections echoing at once through the warm-up's tunnel, each on a session of its own, as the clients
 * of a flood do (kcptun's client dials a session per -conn slot): the sessions' setup and the listener's
 * lookups of many peers are on the path too (docs/cpu-sessions-2026-12-07-sessions34.md §1).
 */
const LANES = 8;
/** What each connection echoes: the flood's (bench/tunnel's many sessions), random as encrypted traffic is. */
const ECHO_BYTES = 64 * 1024;
/**
 * The warm-up server's socket buffers: small enough that its LANES bursts overflow its receive queue as a
 * flood overflows a server's (docs/cpu-sessions-2026-12-07-sessions34.md: 100 000 and more datagrams
 * dropped per cold echo), so that the loss paths (FEC recovery, retransmissions, duplicates) are run and
 * compiled too, not first met under the flood (each a deoptimization there).
 */
const WARM_UP_SOCKBUF = 64 * 1024;
/**
 * The warm-up also ends after this many times its CPU budget in wall time: on a machine whose other work
 * leaves it little CPU, it holds no sockets for long.
 */
const WALL_PER_CPU = 4;

/** What a warm-up did, for its log line. */
export interface WarmUpResult {
  /** Connections that echoed their ECHO_BYTES. */
  readonly echoes: number;
  /** The process's CPU over the warm-up, milliseconds (every thread). */
  readonly cpuMs: number;
  /** Whether a client's first datagram (or the server's close) ended it before its budget was spent. */
  readonly cutShort: boolean;
}

/** What the warm-up needs of a server: a second TunnelServer, made by the caller (no import cycle). */
export interface WarmUpServer {
  start(): Promise<number[]>;
  close(): void;
}

/** Own enumerable number fields of a counter object, to put back as they were (the warm-up's not counted). */
class CounterSnapshot {
  private readonly values: [string, number][];

  constructor(private readonly counters: object) {
    this.values = Object.entries(counters).filter((e): e is [string, number] => typeof e[1] === 'number');
  }

  restore(): void {
    const target = this.counters as Record<string, number>;
    for (const [key, value] of this.values) target[key] = value;
  }
}

/**
 * -warmup: a fresh server runs its packet path through a tunnel of its own before its first client comes,
 * so that V8 has optimized the hot functions when the first flood arrives instead of compiling them under
 * it (docs/cpu-sessions-2026-12-07-sessions34.md: a cold echo of 1000 sessions cost 1.5x the CPU of a warm
 * one). The tunnel is the real one: a TunnelServer with this server's options on 127.0.0.1 (an ephemeral
 * UDP port), its target an echo server on 127.0.0.1, and LANES client sessions dialled with the same
 * options, so the type feedback V8 compiles from is the real sessions'. It ends when its CPU budget is spent,
 * at the first datagram to any of this server's listeners (which then takes the usual path, the warm-up's
 * sessions and sockets closed), or when the server closes; the counters (SNMP, transport) are put back as
 * they were at its start, so that nothing of it is seen (no log line either).
 */
export class WarmUp {
  private stopped = false;
  private echoes = 0;
  private readonly closers: (() => void)[] = [];
  private readonly snapshots = [new CounterSnapshot(snmp), new CounterSnapshot(transportCounters)];
  private readonly cpuStart = process.cpuUsage();
  private readonly wallEnd: number;
  private resolveEnded: (result: WarmUpResult) => void = () => {};
  /** Resolves when the warm-up has ended (stop()). */
  readonly ended = new Promise<WarmUpResult>((resolve) => {
    this.resolveEnded = resolve;
  });

  private constructor(
    private readonly options: ServerOptions,
    private readonly budgetMs: number,
  ) {
    this.wallEnd = performance.now() + budgetMs * WALL_PER_CPU;
  }

  /** Start warming up in the background; `makeServer` builds the warm-up's TunnelServer. */
  static start(
    options: ServerOptions,
    budgetMs: number,
    makeServer: (options: ServerOptions) => WarmUpServer,
  ): WarmUp {
    const warmUp = new WarmUp(options, budgetMs);
    warmUp.run(makeServer).then(
      () => warmUp.end(false),
      () => warmUp.end(false),
    );
    return warmUp;
  }

  /**
   * Close the warm-up's tunnel and put the counters back. Idempotent and synchronous: called just before a
   * client's first datagram is handled, it leaves the counters as they were before the warm-up.
   */
  stop(): void {
    this.end(true);
  }

  private end(cutShort: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const close of this.closers) close();
    this.closers.length = 0;
    for (const s of this.snapshots) s.restore();
    this.resolveEnded({ echoes: this.echoes, cpuMs: Math.round(this.cpuMs()), cutShort });
  }

  private cpuMs(): number {
    const { user, system } = process.cpuUsage(this.cpuStart);
    return (user + system) / 1000;
  }

  private spent(): boolean {
    return this.stopped || this.cpuMs() >= this.budgetMs || performance.now() >= this.wallEnd;
  }

  private async run(makeServer: (options: ServerOptions) => WarmUpServer): Promise<void> {
    const echo = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    // each part is closed by stop() once it is up, or here if stop() came while it was starting
    if (this.stopped) {
      echo.close();
      return;
    }
    this.closers.push(() => echo.close());
    const { port } = echo.address() as net.AddressInfo;
    const { options } = this;
    const server = makeServer({
      ...options,
      listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
      target: { host: '127.0.0.1', port },
      quiet: true,
      udp: undefined,
      dscp: 0,
      log: () => {},
      session: { ...options.session, sockbuf: WARM_UP_SOCKBUF, tcp: false, reusePort: false, log: undefined },
    });
    const [udpPort] = await server.start();
    if (this.stopped) {
      server.close();
      return;
    }
    this.closers.push(() => server.close());
    const data = randomBytes(ECHO_BYTES);
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < LANES; i++) lanes.push(this.lane(udpPort, data));
    await Promise.all(lanes);
  }

  /**
   * One connection's echo after another, each on a session dialled for it: one at least, then until the
   * warm-up is spent.
   */
  private async lane(udpPort: number, data: Buffer): Promise<void> {
    const sessionOptions = { ...this.options.session, tcp: false };
    do {
      const dialed = await dialSocket('127.0.0.1', udpPort, sessionOptions);
      // no session over a socket dialled too late: it would count (snmp.ActiveOpens) after stop()
      if (this.stopped) {
        dialed.io.close();
        return;
      }
      const session = sessionOver(dialed, sessionOptions);
      const mux = createMux(session, 'client', this.options);
      const close = (): void => mux.close();
      this.closers.push(close);
      if (primesRtt(sessionOptions.auto)) primeRtt(mux);
      session.showFecShape();
      if (await echoOnce(mux, data)) this.echoes++;
      mux.close();
      const i = this.closers.indexOf(close);
      if (i >= 0) this.closers.splice(i, 1);
    } while (!this.spent());
  }
}

/** One stream through `mux` that writes `data`; true once as many bytes came back, false if it closed first. */
function echoOnce(mux: SmuxSession, data: Buffer): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let stream: ReturnType<SmuxSession['openStream']>;
    try {
      stream = mux.openStream();
    } catch {
      resolve(false);
      return;
    }
    let n = 0;
    const done = (echoed: boolean): void => {
      stream.destroy();
      resolve(echoed);
    };
    stream.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n >= data.length) done(true);
    });
    stream.on('error', () => done(false));
    stream.on('close', () => done(false));
    stream.write(data);
  });
}
