/**
 * The flows of kcptun's -tcp transport (fake-tcp.ts): one per peer ip:port, holding its seq/ack and the
 * real TCP connection behind it. A flow with no connection is an orphan: packets to our port from a peer
 * that never connected (a scan, a stray after a restart), or whose connection has closed. Pure apart from
 * the connection it holds: time is passed in, and what a forgotten flow's connection needs is the owner's
 * `forget` callback. Rules: docs/tcp-transport.md.
 */
import type net from 'node:net';
import { sockaddrIn } from './raw-socket.js';
import { FlowSequence, numberToIpv4 } from './tcp-segment.js';
import { UdpPeer } from './udp-io.js';

/** The latest tcpraw's expiry: a flow with a connection silent this long is forgotten, its connection closed. */
export const FLOW_EXPIRY_MS = 60_000;
/** The latest tcpraw's expiry of an orphan: it carries nothing, so it goes soon. */
export const ORPHAN_EXPIRY_MS = 5_000;
/** How often expired flows are swept (the latest tcpraw's cleaner ticks every 5 s). */
export const FLOW_SWEEP_MS = 5_000;
/**
 * Flows one listener holds at most (tcpraw has no bound). Twice the listener's default session cap
 * (DEFAULT_MAX_SESSIONS, 4096): every session it can hold keeps its flow, and orphans get as much room
 * again. Beyond it a packet from a new peer is dropped and counted, and a new connection takes the place
 * of the oldest orphan or, if there is none, is closed.
 */
export const MAX_FLOWS = 8192;

/** One peer's flow: its sequence state, its real TCP connection (none: an orphan), where to send. */
export class Flow {
  readonly sequence = new FlowSequence();
  conn: net.Socket | null = null;
  /** Our address as the peer sees it (the destination of its packets): the checksum's source. */
  localIp = 0;
  /** Whether a packet of this flow has arrived, so seq/ack are known: tcpraw sends nothing before. */
  heard = false;
  lastHeard = 0;
  readonly peer: FlowPeer;
  readonly sockaddr: Buffer;

  constructor(
    readonly key: number,
    readonly remoteIp: number,
    readonly remotePort: number,
  ) {
    this.peer = new FlowPeer(numberToIpv4(remoteIp), remotePort, this);
    this.sockaddr = sockaddrIn(remoteIp);
  }
}

/** A sender as the listener keeps it: the address, and the flow to reply on. */
export class FlowPeer extends UdpPeer {
  constructor(
    address: string,
    port: number,
    readonly flow: Flow,
  ) {
    super(address, port);
  }
}

export function flowKey(ip: number, port: number): number {
  return ip * 0x10000 + port;
}

/** The flows of one transport, bounded by `max`; `forget` closes what a forgotten flow holds. */
export class FlowTable {
  private readonly flows = new Map<number, Flow>();

  constructor(
    private readonly forget: (flow: Flow) => void,
    private readonly max = MAX_FLOWS,
  ) {}

  get size(): number {
    return this.flows.size;
  }

  get(ip: number, port: number): Flow | undefined {
    return this.flows.get(flowKey(ip, port));
  }

  /** The flow of a packet from ip:port, a new orphan for a new peer, or null when the table is full. */
  forPacket(ip: number, port: number, now: number): Flow | null {
    const flow = this.flows.get(flowKey(ip, port));
    if (flow !== undefined) return flow;
    if (this.flows.size >= this.max) return null;
    return this.add(ip, port, now);
  }

  /**
   * The flow a new connection from ip:port joins: its own, a new one, or one in place of the oldest orphan
   * when the table is full; null when it is full of flows with connections.
   */
  forConnection(ip: number, port: number, now: number): Flow | null {
    const flow = this.flows.get(flowKey(ip, port));
    if (flow !== undefined) return flow;
    if (this.flows.size >= this.max && !this.evictOrphan()) return null;
    return this.add(ip, port, now);
  }

  private add(ip: number, port: number, now: number): Flow {
    const flow = new Flow(flowKey(ip, port), ip, port);
    flow.lastHeard = now;
    this.flows.set(flow.key, flow);
    return flow;
  }

  /** Forget flows silent too long (an orphan sooner). */
  expire(now: number): void {
    for (const [key, flow] of this.flows) {
      const ttl = flow.conn === null ? ORPHAN_EXPIRY_MS : FLOW_EXPIRY_MS;
      if (now - flow.lastHeard <= ttl) continue;
      this.flows.delete(key);
      this.forget(flow);
    }
  }

  /** Forget every flow. */
  clear(): void {
    for (const flow of this.flows.values()) this.forget(flow);
    this.flows.clear();
  }

  /** The oldest orphan goes (insertion order is age order); false if there is none. */
  private evictOrphan(): boolean {
    for (const [key, flow] of this.flows) {
      if (flow.conn !== null) continue;
      this.flows.delete(key);
      this.forget(flow);
      return true;
    }
    return false;
  }
}
