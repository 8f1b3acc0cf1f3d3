import type dgram from 'node:dgram';
import type { Duplex } from 'node:stream';
import type { LogLimiter } from '../transport/log-limiter.js';
import { formatHostPort } from './address.js';
import { CHANNEL_QUEUE_BYTES, FLOW_QUEUE_BYTES, UdpChannel } from './udp-channel.js';
import { FlowCounts, sweepPeriodMs, type UdpSettings } from './udp-flow.js';
import { UDP_MESSAGE_HEADER_SIZE } from './udp-frame.js';

/** The exact line a client with -udp logs when its server turns out not to forward UDP. */
export const UDP_REFUSED_LINE = 'the server does not forward UDP: it is not kcptun-ts with -udp';

/** Why a session has no UDP channel: 'refused' is the server's answer, 'closed' says nothing about it. */
export type ChannelOutcome = ClientUdpChannel | 'refused' | 'closed';

/** The client end of one session's UDP channel: flow ids of this session to the flows. */
export class ClientUdpChannel {
  readonly flows = new Map<number, ClientFlow>();
  readonly channel: UdpChannel;
  private nextFlowId = 1;

  constructor(stream: Duplex, leftover: Buffer, forwarder: ClientUdpForwarder) {
    this.channel = new UdpChannel(
      stream,
      {
        data: (id, payload) => forwarder.fromTunnel(this.flows.get(id), payload),
        close: (id) => {
          const flow = this.flows.get(id);
          if (flow !== undefined) forwarder.closeFlow(flow, false);
        },
        closed: () => {
          for (const flow of [...this.flows.values()]) forwarder.closeFlow(flow, false);
        },
      },
      forwarder.stats,
      leftover,
    );
  }

  /** A session-unique id (u32, wrapping; an id still in use is skipped). */
  register(flow: ClientFlow): number {
    let id = this.nextFlowId;
    while (this.flows.has(id)) id = (id + 1) >>> 0 || 1;
    this.nextFlowId = (id + 1) >>> 0 || 1;
    this.flows.set(id, flow);
    return id;
  }
}

export interface ClientFlow {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly counts: FlowCounts;
  lastActive: number;
  /** Set once the session's channel is known; until then datagrams wait in `pending`. */
  channel: ClientUdpChannel | null;
  id: number;
  pending: Buffer[];
  pendingBytes: number;
}

export interface ClientUdpForwarderOptions {
  readonly settings: UdpSettings;
  readonly quiet: boolean;
  readonly log: (message: string) => void;
  readonly limiter: LogLimiter;
  /** The UDP channel of the session the next flow should use (round robin over -conn, like streams). */
  readonly channelFor: () => Promise<ChannelOutcome>;
}

/**
 * The client's UDP side: every source address that sends to the listening socket is one flow, carried
 * on the UDP channel of one session; replies go back from the listening socket to that address. Flows
 * close after the idle timeout (the server is told), when the server says so, or with their session.
 */
export class ClientUdpForwarder {
  private readonly flows = new Map<string, ClientFlow>();
  private readonly sweeper: NodeJS.Timeout;
  private refused = false;
  private closed = false;
  /** Bytes of all flows still waiting for their session's channel: bounded like one channel's queues. */
  private pendingBytes = 0;

  constructor(
    private readonly socket: dgram.Socket,
    private readonly options: ClientUdpForwarderOptions,
  ) {
    socket.on('message', (datagram, rinfo) => this.fromLocal(datagram, rinfo.address, rinfo.port));
    this.sweeper = setInterval(() => this.sweep(), sweepPeriodMs(options.settings.timeoutMs)).unref();
  }

  get stats() {
    return this.options.settings.stats;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const flow of [...this.flows.values()]) this.closeFlow(flow, true);
    this.socket.close();
  }

  /** The server answered that it does not forward UDP: say so once, and drop every datagram from now on. */
  serverRefused(): void {
    if (this.refused) return;
    this.refused = true;
    this.options.log(UDP_REFUSED_LINE);
  }

  private fromLocal(datagram: Buffer, address: string, port: number): void {
    const { stats, maxFlows } = this.options.settings;
    stats.DatagramsIn++;
    stats.BytesIn += datagram.length;
    if (this.refused || this.closed) {
      stats.DropsNoTunnel++;
      return;
    }
    const key = formatHostPort(address, port);
    let flow = this.flows.get(key);
    if (flow === undefined) {
      if (this.flows.size >= maxFlows) {
        stats.DropsFlowLimit++;
        this.options.limiter.report('udp flow limit', 'client', () => {
          return `udp: ${maxFlows} flows open, the most this client keeps; datagrams from new source addresses (${key}) are dropped until some time out (-udptimeout)`;
        });
        return;
      }
      flow = this.openFlow(key, address, port);
    }
    flow.lastActive = performance.now();
    flow.counts.datagramsIn++;
    flow.counts.bytesIn += datagram.length;
    if (flow.channel === null) {
      const size = UDP_MESSAGE_HEADER_SIZE + datagram.length;
      if (flow.pendingBytes + size > FLOW_QUEUE_BYTES || this.pendingBytes + size > CHANNEL_QUEUE_BYTES) {
        stats.DropsQueueFull++;
        flow.counts.dropped++;
        return;
      }
      flow.pending.push(datagram);
      flow.pendingBytes += size;
      this.pendingBytes += size;
      return;
    }
    this.intoTunnel(flow, datagram);
  }

  private intoTunnel(flow: ClientFlow, datagram: Buffer): void {
    const channel = flow.channel!.channel;
    if (channel.isClosed) {
      this.stats.DropsNoTunnel++;
      flow.counts.dropped++;
    } else if (!channel.send(flow.id, datagram)) {
      flow.counts.dropped++;
    }
  }

  private openFlow(key: string, address: string, port: number): ClientFlow {
    const flow: ClientFlow = {
      key,
      address,
      port,
      counts: new FlowCounts(),
      lastActive: performance.now(),
      channel: null,
      id: 0,
      pending: [],
      pendingBytes: 0,
    };
    this.flows.set(key, flow);
    this.stats.flowOpened();
    this.options.channelFor().then(
      (outcome) => this.attach(flow, outcome),
      () => this.attach(flow, 'closed'),
    );
    return flow;
  }

  private attach(flow: ClientFlow, outcome: ChannelOutcome): void {
    if (this.flows.get(flow.key) !== flow) return; // closed meanwhile
    const pending = this.takePending(flow);
    if (outcome === 'refused' || outcome === 'closed' || outcome.channel.isClosed) {
      if (outcome === 'refused') this.serverRefused();
      this.stats.DropsNoTunnel += pending.length;
      flow.counts.dropped += pending.length;
      this.closeFlow(flow, false);
      return;
    }
    flow.channel = outcome;
    flow.id = outcome.register(flow);
    if (!this.options.quiet) this.options.log(`udp flow opened in: ${flow.key} out: (flow ${flow.id})`);
    for (const datagram of pending) this.intoTunnel(flow, datagram);
  }

  private takePending(flow: ClientFlow): Buffer[] {
    const pending = flow.pending;
    this.pendingBytes -= flow.pendingBytes;
    flow.pending = [];
    flow.pendingBytes = 0;
    return pending;
  }

  /** @internal A datagram from the tunnel for `flow` (undefined: a flow this end already forgot). */
  fromTunnel(flow: ClientFlow | undefined, payload: Buffer): void {
    const { stats } = this;
    if (flow === undefined || this.closed) {
      stats.DropsNoTunnel++;
      return;
    }
    flow.lastActive = performance.now();
    flow.counts.datagramsOut++;
    flow.counts.bytesOut += payload.length;
    stats.DatagramsOut++;
    stats.BytesOut += payload.length;
    this.socket.send(payload, flow.port, flow.address, (err) => {
      if (!err) return;
      stats.DropsSendError++;
      flow.counts.dropped++;
      this.options.limiter.report('udp send', flow.key, () => `udp: reply to ${flow.key}: ${err.message}`);
    });
  }

  /** @internal Forget `flow`; with `tellPeer` the server is asked to close its socket too. */
  closeFlow(flow: ClientFlow, tellPeer: boolean): void {
    if (this.flows.get(flow.key) !== flow) return;
    this.flows.delete(flow.key);
    this.stats.flowClosed();
    const dropped = this.takePending(flow).length;
    this.stats.DropsNoTunnel += dropped;
    flow.counts.dropped += dropped;
    const channel = flow.channel;
    if (channel !== null) {
      channel.flows.delete(flow.id);
      if (tellPeer) channel.channel.closeFlow(flow.id);
      if (!this.options.quiet) {
        this.options.log(`udp flow closed in: ${flow.key} out: (flow ${flow.id}): ${flow.counts}`);
      }
    }
  }

  private sweep(): void {
    const limit = performance.now() - this.options.settings.timeoutMs;
    for (const flow of [...this.flows.values()]) {
      // a flow still waiting for its session (the server unreachable) times out too, with its datagrams
      if (flow.lastActive <= limit) this.closeFlow(flow, true);
    }
  }
}
