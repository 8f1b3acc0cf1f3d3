import net from 'node:net';
import { fecEnabled, PeerFecShapes } from '../fec/index.js';
import type { Health, TunnelSessionMetrics, TunnelView } from '../metrics/status.js';
import type { SmuxSession, SmuxStream } from '../smux/index.js';
import { applyDscp } from '../transport/dscp.js';
import { KcpListener, type ListenOptions } from '../transport/listener.js';
import { LogLimiter } from '../transport/log-limiter.js';
import { lookupHost } from '../transport/resolve.js';
import type { KcpSession } from '../transport/session.js';
import { formatHostPort, type HostPorts, type StreamEndpoint } from './address.js';
import { Diagnosis, type DiagnosisOptions, hostOf } from './diagnosis.js';
import { applicationStream, createMux, type MuxOptions } from './mux.js';
import { offerUdpChannel, UDP_REQUEST_SID } from './negotiation.js';
import { pipeBoth } from './pipe.js';
import { primeRtt, primesRtt } from './rtt-prime.js';
import { SessionReads, SocketReader } from './socket-read.js';
import { sweepPeriodMs, type UdpOptions, udpSettingsOf } from './udp-flow.js';
import { type ServerUdpContext, ServerUdpFlows } from './udp-server-flows.js';

export interface ServerOptions extends MuxOptions {
  listen: HostPorts;
  /** TCP target, or a unix socket path. */
  target: StreamEndpoint;
  closeWaitSeconds: number;
  quiet: boolean;
  session: ListenOptions;
  /** -dscp for the listener sockets; 0 leaves them alone. */
  dscp?: number;
  /** -udp: also relay the clients' UDP flows to the target's UDP port (clients that are ours with -udp). */
  udp?: UdpOptions;
  log: (message: string) => void;
  /** The diagnosis lines' rate limit (tests shorten it). */
  diagnosis?: DiagnosisOptions;
}

/**
 * kcptun-server: accept KCP sessions on every port of `listen`, run a smux server on each, and connect
 * every accepted stream to the target. A target that refuses closes that stream only.
 */
export class TunnelServer implements TunnelView {
  private readonly listeners: KcpListener[] = [];
  /** Every open smux session with the KCP session under it, for the metrics. */
  private readonly live = new Map<SmuxSession, KcpSession>();
  private closed = false;
  private dscpWarned = false;
  private udp: ServerUdpContext | null = null;
  private readonly udpSessions = new Set<ServerUdpFlows>();
  private udpSweeper: NodeJS.Timeout | null = null;
  private readonly diagnosis: Diagnosis;

  constructor(private readonly options: ServerOptions) {
    this.diagnosis = new Diagnosis(options.log, { ...options.diagnosis, limitSessionLines: true });
  }

  async start(): Promise<number[]> {
    const { listen } = this.options;
    if (this.options.udp !== undefined) await this.startUdp(this.options.udp);
    const ports: number[] = [];
    try {
      const peerFecShapes = this.peerFecShapes();
      for (let port = listen.minPort; port <= listen.maxPort; port++) {
        const session = { ...this.options.session, observer: this.diagnosis.observer, peerFecShapes };
        const bound = await this.listenOn(listen.host, port, session);
        ports.push(bound);
        // -tcp: kcptun's server serves plain UDP on the same port too (docs/protocol.md §10).
        if (session.tcp) await this.listenOn(listen.host, bound, { ...session, tcp: false });
      }
    } catch (err) {
      this.close();
      throw err;
    }
    return ports;
  }

  /**
   * With FEC on, every port's sessions share one memory of the FEC shape each client host sends
   * (fec/peer-shape.ts), so that a client's later sessions get its shape from their first datagram.
   */
  private peerFecShapes(): PeerFecShapes | undefined {
    const { dataShards, parityShards } = this.options.session;
    if (!fecEnabled(dataShards, parityShards)) return undefined;
    return new PeerFecShapes({ dataShards, parityShards }, (shape, ours) =>
      this.options.log(
        `FEC: a client sends groups of ${shape.dataShards} data + ${shape.parityShards} parity, this end has ` +
          `-datashard ${ours.dataShards} -parityshard ${ours.parityShards}: its later sessions get its shape ` +
          'from their start (a Go decoder of another shape rebuilds false data under loss until it locks on)',
      ),
    );
  }

  private async listenOn(host: string, port: number, session: ListenOptions): Promise<number> {
    const listener: KcpListener = await KcpListener.listen(host, port, session, (s) =>
      this.onSession(s, listener.localLabel),
    );
    this.listeners.push(listener);
    if (this.options.dscp) this.applyDscp(listener);
    return listener.port;
  }

  /** -udp: resolve the target once (its UDP port is the TCP port's number) and start the idle sweep. */
  private async startUdp(options: UdpOptions): Promise<void> {
    const { target, log, quiet } = this.options;
    if ('path' in target) throw new Error('-udp needs a host:port target, not a unix socket');
    let resolved: { address: string; family: number };
    try {
      resolved = await lookupHost(target.host === '' ? 'localhost' : target.host);
    } catch (err) {
      throw new Error(`-udp: cannot resolve the target ${target.host}: ${(err as Error).message}`);
    }
    const settings = udpSettingsOf(options);
    this.udp = {
      target: { address: resolved.address, family: resolved.family === 6 ? 6 : 4, port: target.port },
      settings,
      sockbuf: this.options.session.sockbuf,
      quiet,
      log,
      limiter: new LogLimiter(log),
    };
    this.udpSweeper = setInterval(() => {
      const now = performance.now();
      for (const flows of this.udpSessions) flows.sweep(now);
    }, sweepPeriodMs(settings.timeoutMs)).unref();
  }

  /** Open the session's UDP channel when its client asks (once per session). */
  private acceptUdp(mux: SmuxSession, remote: string): void {
    const context = this.udp;
    if (context === null) return;
    let offered = false;
    mux.on('nop', (sid) => {
      if (sid !== UDP_REQUEST_SID || offered) return;
      offered = true;
      const stream = offerUdpChannel(mux, (s) => applicationStream(s, this.options));
      if (stream === null) return;
      if (!context.quiet) context.log(`udp channel opened ${remote}`);
      const flows = new ServerUdpFlows(stream, context, remote, () => this.udpSessions.delete(flows));
      this.udpSessions.add(flows);
    });
  }

  /** Flows open now over all sessions (-udp). */
  get udpFlowCount(): number {
    let n = 0;
    for (const flows of this.udpSessions) n += flows.size;
    return n;
  }

  /** -dscp on the listener socket, as kcptun sets it; a platform that cannot is reported once. */
  private applyDscp(listener: KcpListener): void {
    if (listener.socket === null) return; // -tcp: the raw sockets got it from ListenOptions.tcpDscp
    const r = applyDscp(listener.socket, this.options.dscp ?? 0);
    if (!r.ok && !this.dscpWarned) {
      this.dscpWarned = true;
      this.options.log(`SetDSCP: ${r.reason}`);
    }
  }

  sessionMetrics(): TunnelSessionMetrics[] {
    const open: TunnelSessionMetrics[] = [];
    for (const [mux, session] of this.live) {
      if (!session.closed) open.push({ session: session.metrics(), streams: mux.numStreams });
    }
    return open;
  }

  /** Healthy when the server is started and every listening UDP socket is open. */
  health(): Health {
    if (this.closed) return { ok: false, reason: 'the server is closed' };
    if (this.listeners.length === 0) return { ok: false, reason: 'the server is not listening yet' };
    for (const listener of this.listeners) {
      try {
        listener.socket?.address(); // throws once the socket is closed
      } catch {
        return { ok: false, reason: 'a listening UDP socket is closed' };
      }
    }
    return { ok: true };
  }

  /** -workers: every worker's listeners are bound; see KcpListener.admit. Returns the datagrams dropped. */
  admit(): number {
    let dropped = 0;
    for (const l of this.listeners) dropped += l.admit();
    return dropped;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners) l.close();
    if (this.udpSweeper) clearInterval(this.udpSweeper);
    for (const flows of [...this.udpSessions]) flows.close();
  }

  private onSession(session: KcpSession, local: string): void {
    const remote = session.remoteLabel;
    this.diagnosis.sessionLine(
      'session opened',
      remote,
      () =>
        `smux version: ${this.options.smux.version} on connection: ${local} -> ${remote} (conv ${session.conv})`,
    );
    const mux = createMux(session, 'server', this.options);
    // every mode's server session sends a NOP as it opens: the client's ACK of it proves the client's
    // address (KcpSession.addressProven) a round trip in, before which a first response larger than the
    // anti-amplification budget waits (src/transport/amplification.ts); -mode auto's also primes the RTT
    if (primesRtt(this.options.session.auto)) primeRtt(mux);
    else mux.sendNop(0);
    // its client learns this shape from it a round trip in and shows the shape it then sends, which lets
    // a short path's blind first flight toward it carry one parity shard per group (KcpSession.showFecShape)
    session.showFecShape();
    this.live.set(mux, session);
    const reads = new SessionReads();
    mux.on('stream', (stream: SmuxStream) => this.onStream(stream, remote, reads));
    this.acceptUdp(mux, remote);
    // A peer redials from another port: its mismatch lines are limited per host.
    mux.on('close', (err?: Error) => {
      this.live.delete(mux);
      if (!this.closed) this.diagnosis.sessionClosed(session, err, this.options.smux.version, hostOf(remote));
    });
  }

  private onStream(stream: SmuxStream, remote: string, reads: SessionReads): void {
    const { target, quiet, log } = this.options;
    const reader = new SocketReader();
    const { onread } = reader;
    const socket =
      'path' in target
        ? net.connect({ path: target.path, allowHalfOpen: true, onread })
        : net.connect({ host: target.host, port: target.port, allowHalfOpen: true, onread });
    const label = `in: ${remote}(${stream.id}) out: ${'path' in target ? target.path : formatHostPort(target.host, target.port)}`;
    const onConnectError = (err: Error): void => {
      this.diagnosis.targetDialFailed(label, err, hostOf(remote));
      stream.destroy();
    };
    // The session may die while the target is still connecting: the dial must die with it, or the
    // target connection is never closed (pipeBoth never hears a 'close' that already happened).
    const abandonDial = (): void => {
      socket.destroy();
    };
    socket.once('error', onConnectError);
    stream.once('close', abandonDial);
    socket.once('connect', () => {
      stream.removeListener('close', abandonDial);
      socket.removeListener('error', onConnectError);
      if (stream.destroyed) {
        socket.destroy();
        return;
      }
      socket.on('error', () => {}); // reported through pipeBoth's teardown
      socket.setNoDelay(true);
      if (!quiet) log(`stream opened ${label}`);
      pipeBoth(
        applicationStream(stream, this.options),
        socket,
        this.options.closeWaitSeconds,
        (err) => {
          if (!quiet) log(`stream closed ${label}${err ? ` (${err.message})` : ''}`);
        },
        (src, dst) => reader.start(src, dst, reads),
      );
    });
  }
}
