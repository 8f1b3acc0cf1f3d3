import dgram from 'node:dgram';
import type { Duplex } from 'node:stream';
import type { LogLimiter } from '../transport/log-limiter.js';
import { formatHostPort } from './address.js';
import { UdpChannel } from './udp-channel.js';
import { FlowCounts, type UdpSettings } from './udp-flow.js';

/** What every session's flows share on one server. */
export interface ServerUdpContext {
  /** The target's UDP address, resolved once at start. */
  readonly target: { readonly address: string; readonly family: 4 | 6; readonly port: number };
  readonly settings: UdpSettings;
  /** -sockbuf for each flow's socket: replies arrive in bursts, and a full buffer drops them. */
  readonly sockbuf: number;
  readonly quiet: boolean;
  readonly log: (message: string) => void;
  readonly limiter: LogLimiter;
}

interface ServerFlow {
  readonly id: number;
  readonly socket: dgram.Socket;
  readonly counts: FlowCounts;
  lastActive: number;
}

/**
 * The server end of one session's UDP channel: each flow the client names gets its own socket connected
 * to the target, so the target's replies come back on it and nowhere else. A flow is closed when idle for
 * the timeout (the client is told), when the client says so, or with the channel.
 */
export class ServerUdpFlows {
  private readonly flows = new Map<number, ServerFlow>();
  private readonly channel: UdpChannel;
  private readonly targetLabel: string;

  constructor(
    stream: Duplex,
    private readonly context: ServerUdpContext,
    private readonly peer: string,
    onClosed: () => void,
  ) {
    const { target } = context;
    this.targetLabel = formatHostPort(target.address, target.port);
    this.channel = new UdpChannel(
      stream,
      {
        data: (flow, payload) => this.toTarget(flow, payload),
        close: (flow) => this.closeFlow(flow, false),
        closed: (reason) => {
          for (const flow of [...this.flows.keys()]) this.closeFlow(flow, false);
          if (reason !== undefined && !context.quiet) context.log(`udp channel closed ${peer}: ${reason}`);
          onClosed();
        },
      },
      context.settings.stats,
    );
  }

  get size(): number {
    return this.flows.size;
  }

  close(): void {
    this.channel.close();
  }

  /** Close the flows idle since before `now - timeout`. */
  sweep(now: number): void {
    const limit = now - this.context.settings.timeoutMs;
    for (const flow of this.flows.values()) {
      if (flow.lastActive <= limit) this.closeFlow(flow.id, true);
    }
  }

  private toTarget(id: number, payload: Buffer): void {
    const { stats } = this.context.settings;
    const flow = this.flows.get(id) ?? this.openFlow(id);
    if (flow === undefined) {
      stats.DropsFlowLimit++;
      return;
    }
    flow.lastActive = performance.now();
    flow.counts.datagramsOut++;
    flow.counts.bytesOut += payload.length;
    stats.DatagramsOut++;
    stats.BytesOut += payload.length;
    const { target } = this.context;
    flow.socket.send(payload, target.port, target.address, (err) => {
      if (err) this.sendFailed(flow, err);
    });
  }

  private openFlow(id: number): ServerFlow | undefined {
    const { settings, target, limiter, quiet, log } = this.context;
    if (this.flows.size >= settings.maxFlows) {
      limiter.report('udp flow limit', this.peer, () => {
        return `udp: ${this.peer} has ${settings.maxFlows} flows open, the most a session may; new flows are refused until some time out (-udptimeout)`;
      });
      return undefined;
    }
    const { sockbuf } = this.context;
    const socket = dgram.createSocket({
      type: target.family === 6 ? 'udp6' : 'udp4',
      recvBufferSize: sockbuf > 0 ? sockbuf : undefined,
      sendBufferSize: sockbuf > 0 ? sockbuf : undefined,
    });
    const flow: ServerFlow = { id, socket, counts: new FlowCounts(), lastActive: performance.now() };
    // Only the target's datagrams are replies. (connect() would filter in the kernel, but Node refuses
    // sends until it completes, and the first datagram is already here.)
    socket.on('message', (datagram, rinfo) => {
      if (rinfo.port === target.port && rinfo.address === target.address) this.fromTarget(flow, datagram);
    });
    socket.on('error', (err) => this.sendFailed(flow, err));
    this.flows.set(id, flow);
    settings.stats.flowOpened();
    if (!quiet) log(`udp flow opened in: ${this.peer}(flow ${id}) out: ${this.targetLabel}`);
    return flow;
  }

  private fromTarget(flow: ServerFlow, datagram: Buffer): void {
    const { stats } = this.context.settings;
    flow.lastActive = performance.now();
    flow.counts.datagramsIn++;
    flow.counts.bytesIn += datagram.length;
    stats.DatagramsIn++;
    stats.BytesIn += datagram.length;
    if (!this.channel.send(flow.id, datagram)) flow.counts.dropped++;
  }

  /** A refused or unroutable target costs the datagram, not the flow: the target may come up later. */
  private sendFailed(flow: ServerFlow, err: Error): void {
    this.context.settings.stats.DropsSendError++;
    flow.counts.dropped++;
    this.context.limiter.report('udp send', this.peer, () => `udp: ${this.targetLabel}: ${err.message}`);
  }

  private closeFlow(id: number, tellPeer: boolean): void {
    const flow = this.flows.get(id);
    if (flow === undefined) return;
    this.flows.delete(id);
    flow.socket.close();
    this.context.settings.stats.flowClosed();
    if (tellPeer) this.channel.closeFlow(id);
    if (!this.context.quiet) {
      this.context.log(
        `udp flow closed in: ${this.peer}(flow ${id}) out: ${this.targetLabel}: ${flow.counts}`,
      );
    }
  }
}
