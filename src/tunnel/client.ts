import { randomInt } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { type FecShape, fecEnabled, PeerFecShape } from '../fec/index.js';
import type { Health, TunnelSessionMetrics, TunnelView } from '../metrics/status.js';
import type { SmuxSession } from '../smux/index.js';
import { nowMs } from '../transport/clock.js';
import { type DialOptions, dialSession } from '../transport/dial.js';
import { LogLimiter } from '../transport/log-limiter.js';
import type { KcpSession } from '../transport/session.js';
import { formatHostPort, type HostPorts, listenOn, type StreamEndpoint } from './address.js';
import { Diagnosis, type DiagnosisOptions } from './diagnosis.js';
import { connectionBudget } from './fd-limit.js';
import { applicationStream, createMux, type MuxOptions } from './mux.js';
import { requestUdpChannel } from './negotiation.js';
import { pipeBoth, resetSocket } from './pipe.js';
import { primeRtt, primesRtt } from './rtt-prime.js';
import { readThrough, SessionReads, SocketReader } from './socket-read.js';
import { LeastLoadedPlacement, type StreamPlacement } from './stream-placement.js';
import { type ChannelOutcome, ClientUdpChannel, ClientUdpForwarder } from './udp-client-flows.js';
import { type UdpOptions, udpSettingsOf, udpSocketFor } from './udp-flow.js';

export interface ClientOptions extends MuxOptions {
  /**
   * TCP host:port, or a unix socket path (latest kcptun); null for a client that listens nowhere and is
   * handed its connections through adoptDescriptor() (a -workers thread: the main thread listens,
   * client-workers.ts).
   */
  listen: StreamEndpoint | null;
  remote: HostPorts;
  conn: number;
  /** Which of the `conn` sessions a new stream goes to: kcptun's round robin unless told otherwise. */
  placement?: StreamPlacement;
  autoExpireSeconds: number;
  scavengeTtlSeconds: number;
  closeWaitSeconds: number;
  quiet: boolean;
  session: DialOptions;
  /** -udp: also forward UDP from the same address and port (needs a server that is ours with -udp). */
  udp?: UdpOptions;
  log: (message: string) => void;
  /** The diagnosis lines' rate limit and the no-reply delay (tests shorten them). */
  diagnosis?: DiagnosisOptions;
}

/** One of the -conn slots: a smux session over its own KCP session, dialled lazily. */
interface MuxSlot {
  /** The slot's place among the -conn slots (the placement's lane). */
  readonly index: number;
  mux: SmuxSession | null;
  expiresAt: number;
  dialing: Promise<SmuxSession> | null;
  /** Connections placed here whose stream is not open yet (while the session is dialled, say). */
  placing: number;
}

const REDIAL_DELAY_MS = 1000;
const SCAVENGE_PERIOD_MS = 1000;
/** How often least-loaded placement reads the sessions' byte counts (LOAD_HALF_LIFE_MS apart at most). */
const LOAD_SAMPLE_PERIOD_MS = 1000;
/** -l with port 0 and -udp: how many TCP ports the kernel may pick before one's UDP twin is free. */
const UDP_TWIN_ATTEMPTS = 8;
/** At most one 'refusing connections' line per this period. */
const DROP_LOG_PERIOD_MS = 10_000;

/**
 * kcptun-client: accept TCP connections and carry each as one smux stream over `conn` KCP sessions,
 * round robin or on the least-loaded session (stream-placement.ts). A slot whose session died or expired
 * is redialled when the next connection lands on it; an expired session keeps serving its streams until
 * the scavenger closes it after scavengettl.
 */
export class TunnelClient implements TunnelView {
  private server: net.Server | null = null;
  /** Every open smux session (slots and expiring ones) with the KCP session under it, for the metrics. */
  private readonly live = new Map<SmuxSession, KcpSession>();
  /** Why the last dial failed, while no dial has succeeded since ('' when the last one did). */
  private dialError = '';
  /** The last session that died of an error, until a session hears from the server after it (for health). */
  private sessionError: { reason: string; at: number } | null = null;
  private readonly slots: MuxSlot[];
  private rr = 0;
  /** Least-loaded placement's state, null for round robin (or a single slot, where both agree). */
  private readonly placement: LeastLoadedPlacement | null;
  private sampler: NodeJS.Timeout | null = null;
  private readonly expiring: { mux: SmuxSession; closeAt: number }[] = [];
  private scavenger: NodeJS.Timeout | null = null;
  private closed = false;
  /**
   * Accepted connections waiting for their session (its dial under way, or failing): close() resets them,
   * as pipe.ts resets a connection cut short, rather than leave them to the dial's next failure.
   */
  private readonly waiting = new Set<net.Socket>();
  private udp: ClientUdpForwarder | null = null;
  /** Each session's UDP channel, negotiated when the session is dialled (-udp). */
  private readonly udpChannels = new WeakMap<SmuxSession, Promise<ChannelOutcome>>();
  private readonly diagnosis: Diagnosis;
  /** The server address of each session, for the stream lines. */
  private readonly remotes = new WeakMap<SmuxSession, string>();
  /** Each session's account of what its streams hold read from their local sockets (socket-read.ts). */
  private readonly reads = new WeakMap<SmuxSession, SessionReads>();
  /** The FEC shape the server sends, which later sessions send too (fec/peer-shape.ts); null: FEC off. */
  private readonly peerFecShape: PeerFecShape | null;

  constructor(private readonly options: ClientOptions) {
    this.diagnosis = new Diagnosis(options.log, options.diagnosis);
    this.slots = Array.from({ length: options.conn }, (_, index) => ({
      index,
      mux: null,
      expiresAt: 0,
      dialing: null,
      placing: 0,
    }));
    this.placement =
      options.placement === 'least-loaded' && options.conn > 1
        ? new LeastLoadedPlacement(options.conn, performance.now())
        : null;
    const { dataShards, parityShards } = options.session;
    this.peerFecShape = fecEnabled(dataShards, parityShards)
      ? new PeerFecShape(
          { dataShards, parityShards },
          (shape, ours) => options.log(followingLine(shape, ours)),
          (shape) => this.offerFecShape(shape),
        )
      : null;
  }

  /**
   * The server's FEC shape was learned (or changed): the open sessions that have sent no parity yet send
   * it from now on (KcpSession.followFecShape); -mode auto dials its sessions at start, before any of them
   * has heard the server's groups.
   */
  private offerFecShape(shape: FecShape): void {
    for (const session of this.live.values()) {
      if (session.followFecShape(shape)) this.peerFecShape!.noteFollowing(shape);
    }
  }

  /**
   * Start listening; resolves with the bound address once accepting. Without a listen address, resolves
   * with '' once the sessions are started, and takes connections through adoptDescriptor().
   */
  async start(): Promise<net.AddressInfo | string> {
    const listen = this.options.listen;
    if (listen === null) {
      this.startSessions();
      return '';
    }
    const server = await this.listenBoth(listen);
    this.server = server;
    server.on('error', (err) => this.options.log(`accept: ${err.message}`));
    this.capConnections(server);
    this.startSessions();
    const addr = server.address();
    return addr === null ? '' : addr;
  }

  /**
   * The TCP listener, and with -udp the UDP socket on the same port. With port 0 the kernel picks the TCP
   * port, whose UDP twin another socket may hold (any UDP socket bound to port 0 gets one of the same
   * ephemeral range): then both are picked again, up to UDP_TWIN_ATTEMPTS times.
   */
  private async listenBoth(listen: StreamEndpoint): Promise<net.Server> {
    for (let attempt = 1; ; attempt++) {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) =>
        this.accept(socket),
      );
      await listenOn(server, listen);
      if (this.options.udp === undefined) return server;
      try {
        await this.startUdp(listen, server.address());
        return server;
      } catch (err) {
        server.close();
        const twinTaken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!twinTaken || !('port' in listen) || listen.port !== 0 || attempt >= UDP_TWIN_ATTEMPTS) throw err;
      }
    }
  }

  /** The scavenger, the sessions' first dials where auto primes them, the placement's sampler. */
  private startSessions(): void {
    if (this.options.autoExpireSeconds > 0) {
      this.scavenger = setInterval(() => this.scavenge(), SCAVENGE_PERIOD_MS);
      this.scavenger.unref();
    }
    if (primesRtt(this.options.session.auto)) {
      // every session up and its round trip measured before the first connection (rtt-prime.ts), where
      // kcptun dials a slot when a connection lands on it; dialUntilUp only gives up once the client closes
      for (const slot of this.slots) this.muxFor(slot).catch(() => {});
    }
    if (this.placement !== null) {
      // between placements too, so that the rate a placement sees is recent (observe's even spread)
      this.sampler = setInterval(() => this.sampleLoads(performance.now()), LOAD_SAMPLE_PERIOD_MS);
      this.sampler.unref();
    }
  }

  /** -udp: a UDP socket on the address and port the TCP listener got. */
  private async startUdp(listen: StreamEndpoint, bound: net.AddressInfo | string | null): Promise<void> {
    if ('path' in listen || bound === null || typeof bound === 'string') {
      throw new Error('-udp needs a host:port listen address, not a unix socket');
    }
    const socket = udpSocketFor(listen.host, this.options.session.sockbuf);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(bound.port, listen.host === '' ? undefined : listen.host, () => {
        socket.removeListener('error', reject);
        resolve();
      });
    });
    socket.on('error', (err: Error) => this.options.log(`udp: ${err.message}`));
    this.udp = new ClientUdpForwarder(socket, {
      settings: udpSettingsOf(this.options.udp!),
      quiet: this.options.quiet,
      log: this.options.log,
      limiter: new LogLimiter(this.options.log),
      channelFor: () => this.udpChannel(),
    });
  }

  /** The UDP channel of the session the next stream would go to, dialling it if needed. */
  private async udpChannel(): Promise<ChannelOutcome> {
    const mux = await this.muxFor(this.nextSlot());
    return this.udpChannels.get(mux) ?? 'closed';
  }

  /** Refuse, and say so, rather than let libuv drop connections silently once descriptors run out. */
  private capConnections(server: net.Server): void {
    const budget = connectionBudget();
    if (budget === undefined) return;
    server.maxConnections = budget;
    let lastLog = 0;
    server.on('drop', () => {
      const now = Date.now();
      if (now - lastLog < DROP_LOG_PERIOD_MS) return;
      lastLog = now;
      this.options.log(
        `accept: refusing connections: ${budget} open, near the file descriptor limit (EMFILE); raise it with ulimit -n`,
      );
    });
  }

  sessionMetrics(): TunnelSessionMetrics[] {
    const open: TunnelSessionMetrics[] = [];
    for (const [mux, session] of this.live) {
      if (!session.closed) open.push({ session: session.metrics(), streams: mux.numStreams });
    }
    return open;
  }

  /**
   * Healthy when the TCP listener is open, the last dial succeeded, every open session heard from the
   * server within smux's keep-alive timeout (the server's keep-alives arrive well within it, so silence
   * means a stopped server, a closed UDP port or peers that differ in -key or -crypt), and, if a session
   * died of an error (such as that keep-alive timeout), a session has heard from the server since.
   */
  health(): Health {
    if (this.closed) return { ok: false, reason: 'the client is closed' };
    // a client without a listen address has none of its own to check (its main thread checks its own)
    if (this.options.listen !== null && (this.server === null || !this.server.listening))
      return { ok: false, reason: 'the TCP listener is not open' };
    if (this.dialError !== '') return { ok: false, reason: `dialling the server fails: ${this.dialError}` };
    const now = nowMs();
    const timeoutMs = this.options.smux.keepAliveTimeout;
    let heardSinceError = false;
    for (const session of this.live.values()) {
      if (session.closed) continue;
      const m = session.metrics();
      const silentMs = (now - m.lastReceivedAt) >>> 0;
      if (silentMs > timeoutMs) {
        return {
          ok: false,
          reason: `no datagram from ${m.remote} (conv ${m.conv}) for ${Math.floor(silentMs / 1000)} s`,
        };
      }
      const error = this.sessionError;
      if (error !== null && m.datagramsReceived > 0 && ((m.lastReceivedAt - error.at) | 0) > 0)
        heardSinceError = true;
    }
    if (this.sessionError !== null) {
      if (!heardSinceError) return { ok: false, reason: this.sessionError.reason };
      this.sessionError = null;
    }
    return { ok: true };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.scavenger) clearInterval(this.scavenger);
    if (this.sampler) clearInterval(this.sampler);
    this.server?.close();
    this.udp?.close();
    for (const slot of this.slots) slot.mux?.close();
    for (const e of this.expiring) e.mux.close();
    for (const socket of this.waiting) resetSocket(socket);
    this.waiting.clear();
  }

  /** A connection this client's listener accepted (paused, unread): carried reading through its reader. */
  private accept(accepted: net.Socket): void {
    const reader = new SocketReader();
    const socket = readThrough(accepted, reader.onread);
    // no handle to take (closed already, or a Node whose sockets keep it elsewhere): Node's own reads
    if (socket === null) this.adopt(accepted, null);
    else this.adopt(socket, reader);
  }

  /** A connection the main thread accepted (-workers), as a descriptor of this process's. */
  adoptDescriptor(fd: number): void {
    const reader = new SocketReader();
    // paused as the main thread's listener would have it (pauseOnConnect): adopt resumes it once its stream
    // is open; pauseOnCreate is that listener's own option for the sockets it accepts (Node's net.js)
    const options = { fd, readable: true, writable: true, allowHalfOpen: true, pauseOnCreate: true };
    this.adopt(new net.Socket({ ...options, onread: reader.onread } as net.SocketConstructorOpts), reader);
  }

  /**
   * Carry an accepted connection, paused until its stream is open (resumed then), made to read through
   * `reader` (socket-read.ts: what a session's streams hold read from their sockets is bounded), or
   * through Node's own reads if null (pipe.ts copyCorked). One that gets no stream (the client closed, the
   * session could not be had) is reset: its application must not read a clean end of an empty stream.
   */
  private adopt(socket: net.Socket, reader: SocketReader | null): void {
    socket.on('error', () => {}); // reported through pipeBoth's teardown; a reset's error is ours
    if (this.closed) {
      resetSocket(socket);
      return;
    }
    socket.setNoDelay(true);
    const slot = this.nextSlot();
    slot.placing++;
    this.waiting.add(socket);
    this.muxFor(slot).then(
      (mux) => {
        slot.placing--;
        this.waiting.delete(socket);
        this.openStream(mux, socket, reader);
      },
      () => {
        slot.placing--;
        this.waiting.delete(socket);
        resetSocket(socket);
      },
    );
  }

  private nextSlot(): MuxSlot {
    if (this.placement !== null) {
      // round robin visits, and so retires, every expired slot in turn; a placement must retire all of
      // them, or a busy session, never picked, would outlive -autoexpire and -scavengettl
      const now = Date.now();
      for (const slot of this.slots) this.retireIfExpired(slot, now);
      this.sampleLoads(performance.now());
      return this.slots[this.placement.pick(this.openStreams)];
    }
    const slot = this.slots[this.rr % this.slots.length];
    this.rr = (this.rr + 1) & 0xffff; // kcptun keeps rr in a uint16
    return slot;
  }

  /**
   * Streams open on a slot's current session (an undialled or redialling slot has none), and those on
   * their way to it, so that connections arriving together while a session is dialled spread too.
   */
  private readonly openStreams = (index: number): number => {
    const slot = this.slots[index];
    return (slot.mux?.numStreams ?? 0) + slot.placing;
  };

  /** Tell the placement each slot's bytes moved so far, both directions. */
  private sampleLoads(now: number): void {
    const placement = this.placement!;
    for (const slot of this.slots) {
      const session = slot.mux === null ? undefined : this.live.get(slot.mux);
      if (session === undefined) continue;
      const m = session.metrics();
      placement.observe(slot.index, m.bytesSent + m.bytesReceived, now);
    }
  }

  private muxFor(slot: MuxSlot): Promise<SmuxSession> {
    this.retireIfExpired(slot, Date.now());
    const current = slot.mux;
    if (current !== null && !current.isClosed) return Promise.resolve(current);
    if (slot.dialing !== null) return slot.dialing;
    slot.mux = null;
    slot.dialing = this.dialUntilUp().then((mux) => {
      slot.dialing = null;
      slot.mux = mux;
      this.placement?.restart(slot.index, performance.now());
      slot.expiresAt = Date.now() + this.options.autoExpireSeconds * 1000;
      return mux;
    });
    return slot.dialing;
  }

  /**
   * -autoexpire: an expired session takes no new streams and keeps serving its own until they end or the
   * scavenger closes it scavengettl after its expiry; the slot dials a new one when next used.
   */
  private retireIfExpired(slot: MuxSlot, now: number): void {
    const current = slot.mux;
    if (current === null || this.options.autoExpireSeconds <= 0 || now < slot.expiresAt) return;
    if (!current.isClosed) {
      this.expiring.push({ mux: current, closeAt: slot.expiresAt + this.options.scavengeTtlSeconds * 1000 });
    }
    slot.mux = null;
    this.placement?.restart(slot.index, performance.now()); // the old session's load leaves with it
  }

  /** kcptun's waitConn: retry every second until a session is up (UDP needs no handshake, so this is DNS/bind). */
  private async dialUntilUp(): Promise<SmuxSession> {
    for (;;) {
      if (this.closed) throw new Error('client closed');
      let mux: SmuxSession;
      try {
        mux = await this.dialOnce();
      } catch (err) {
        this.dialError = (err as Error).message;
        this.options.log(`re-connecting: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, REDIAL_DELAY_MS));
        continue;
      }
      this.dialError = '';
      // closed while it was dialled: close() could not see it, and it would outlive the client
      if (this.closed) {
        mux.close();
        throw new Error('client closed');
      }
      return mux;
    }
  }

  private async dialOnce(): Promise<SmuxSession> {
    const { remote, session: sessionOptions, log } = this.options;
    const port =
      remote.minPort === remote.maxPort ? remote.minPort : randomInt(remote.minPort, remote.maxPort + 1);
    const session = await dialSession(remote.host, port, {
      ...sessionOptions,
      observer: this.diagnosis.observer,
      peerFecShape: this.peerFecShape ?? undefined,
    });
    log(
      `smux version: ${this.options.smux.version} on connection: ${formatHostPort(remote.host, port)} (conv ${session.conv})`,
    );
    this.diagnosis.watchReply(session);
    const mux = createMux(session, 'client', this.options);
    if (primesRtt(sessionOptions.auto)) primeRtt(mux);
    session.showFecShape();
    this.live.set(mux, session);
    this.remotes.set(mux, session.remoteLabel);
    this.reads.set(mux, new SessionReads());
    mux.on('close', (err?: Error) => {
      this.live.delete(mux);
      if (this.closed) return;
      const reason = this.diagnosis.sessionClosed(
        session,
        err,
        this.options.smux.version,
        session.remoteLabel,
      );
      if (reason !== undefined) {
        this.sessionError = {
          reason: `the session to ${session.remoteLabel} (conv ${session.conv}) closed: ${reason}`,
          at: nowMs(),
        };
      }
    });
    if (this.udp !== null) this.udpChannels.set(mux, this.negotiateUdp(mux));
    return mux;
  }

  /** Ask the server for this session's UDP channel; a refusal is logged once and ends UDP forwarding. */
  private async negotiateUdp(mux: SmuxSession): Promise<ChannelOutcome> {
    const udp = this.udp!;
    const result = await requestUdpChannel(mux, (stream) => applicationStream(stream, this.options));
    if (result.kind === 'refused') {
      udp.serverRefused();
      return 'refused';
    }
    if (result.kind === 'closed') return 'closed';
    if (!this.options.quiet) this.options.log('udp channel opened: the server forwards UDP');
    return new ClientUdpChannel(result.stream, result.leftover, udp);
  }

  private openStream(mux: SmuxSession, socket: net.Socket, reader: SocketReader | null): void {
    if (socket.destroyed) return;
    let stream: ReturnType<SmuxSession['openStream']>;
    try {
      stream = mux.openStream();
    } catch (err) {
      this.options.log((err as Error).message);
      resetSocket(socket);
      return;
    }
    const { quiet, log } = this.options;
    const from =
      socket.remoteAddress === undefined
        ? 'unix'
        : formatHostPort(socket.remoteAddress, socket.remotePort ?? 0);
    // kcptun: "in:" the accepted connection, "out:" the session's remote address and the stream id.
    const label = `in: ${from} out: ${this.remotes.get(mux) ?? ''}(${stream.id})`;
    if (!quiet) log(`stream opened ${label}`);
    const reads = this.reads.get(mux)!;
    pipeBoth(
      applicationStream(stream, this.options),
      socket,
      this.options.closeWaitSeconds,
      (err) => {
        if (!quiet) log(`stream closed ${label}${err ? ` (${err.message})` : ''}`);
      },
      reader === null ? undefined : (src, dst) => reader.start(src, dst, reads),
      'application',
    );
    socket.resume();
  }

  private scavenge(): void {
    const now = Date.now();
    for (let i = this.expiring.length - 1; i >= 0; i--) {
      const e = this.expiring[i];
      if (e.mux.isClosed) {
        this.options.log('scavenger: session normally closed');
        this.expiring.splice(i, 1);
      } else if (now >= e.closeAt) {
        e.mux.close();
        this.options.log('scavenger: session closed due to ttl');
        this.expiring.splice(i, 1);
      } else if (e.mux.numStreams === 0) {
        // expired sessions take no new streams: once the last one is done, nothing needs it
        e.mux.close();
        this.options.log('scavenger: expired session closed, its streams are done');
        this.expiring.splice(i, 1);
      }
    }
  }
}

/** The startup log's line, once, when a session first sends the server's FEC shape instead of ours. */
function followingLine(shape: FecShape, ours: FecShape): string {
  return (
    `FEC: the server sends groups of ${shape.dataShards} data + ${shape.parityShards} parity, this end has ` +
    `-datashard ${ours.dataShards} -parityshard ${ours.parityShards}: sessions send the server's shape from ` +
    'their start (a Go decoder of another shape rebuilds false data under loss until it locks on)'
  );
}
