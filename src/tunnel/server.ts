import net from 'node:net';
import type { Health, TunnelSessionMetrics, TunnelView } from '../metrics/status.js';
import type { SmuxSession, SmuxStream } from '../smux/index.js';
import { applyDscp } from '../transport/dscp.js';
import { KcpListener, type ListenOptions } from '../transport/listener.js';
import type { KcpSession } from '../transport/session.js';
import { formatHostPort, type HostPorts } from './address.js';
import { applicationStream, createMux, type MuxOptions, mismatchHint } from './mux.js';
import { pipeBoth } from './pipe.js';

export interface ServerOptions extends MuxOptions {
  listen: HostPorts;
  /** TCP target, or a unix socket path. */
  target: { host: string; port: number } | { path: string };
  closeWaitSeconds: number;
  quiet: boolean;
  session: ListenOptions;
  /** -dscp for the listener sockets; 0 leaves them alone. */
  dscp?: number;
  log: (message: string) => void;
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

  constructor(private readonly options: ServerOptions) {}

  async start(): Promise<number[]> {
    const { listen } = this.options;
    try {
      for (let port = listen.minPort; port <= listen.maxPort; port++) {
        const listener: KcpListener = await KcpListener.listen(listen.host, port, this.options.session, (s) =>
          this.onSession(s, listener.localLabel),
        );
        this.listeners.push(listener);
        if (this.options.dscp) this.applyDscp(listener);
      }
    } catch (err) {
      this.close();
      throw err;
    }
    return this.listeners.map((l) => l.port);
  }

  /** -dscp on the listener socket, as kcptun sets it; a platform that cannot is reported once. */
  private applyDscp(listener: KcpListener): void {
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
        listener.socket.address(); // throws once the socket is closed
      } catch {
        return { ok: false, reason: 'a listening UDP socket is closed' };
      }
    }
    return { ok: true };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners) l.close();
  }

  private onSession(session: KcpSession, local: string): void {
    const { log } = this.options;
    const remote = session.remoteLabel;
    log(
      `smux version: ${this.options.smux.version} on connection: ${local} -> ${remote} (conv ${session.conv})`,
    );
    const mux = createMux(session, false, this.options);
    this.live.set(mux, session);
    mux.on('stream', (stream: SmuxStream) => this.onStream(stream, remote));
    mux.on('close', (err?: Error) => {
      this.live.delete(mux);
      if (err) log(`${remote}: ${mismatchHint(err)}`);
    });
  }

  private onStream(stream: SmuxStream, remote: string): void {
    const { target, quiet, log } = this.options;
    const socket =
      'path' in target
        ? net.connect({ path: target.path, allowHalfOpen: true })
        : net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    const label = `in: ${remote}(${stream.id}) out: ${'path' in target ? target.path : formatHostPort(target.host, target.port)}`;
    const onConnectError = (err: Error): void => {
      log(`${label}: ${err.message}`);
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
      pipeBoth(applicationStream(stream, this.options), socket, this.options.closeWaitSeconds, () => {
        if (!quiet) log(`stream closed ${label}`);
      });
    });
  }
}
