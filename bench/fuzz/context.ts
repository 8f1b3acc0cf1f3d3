import dgram from 'node:dgram';
import { KCP_CMD_ACK, KCP_CMD_PUSH } from '../../src/kcp/index.js';
import type { Rng } from './rng.js';
import type { CaptureTap } from './tap.js';
import {
  cutRandomly,
  FORGED_MTU,
  fecData,
  kcpSegment,
  OUTER_HEADER,
  packSegments,
  sealNone,
} from './wire.js';

/** Room for KCP bytes in a forged datagram (bare KCP, or KCP after an 8-byte FEC data header). */
const KCP_ROOM = FORGED_MTU - OUTER_HEADER;
const KCP_ROOM_FEC = KCP_ROOM - 8;
const FORGED_WINDOW = 1024;

/**
 * A KCP conversation the fuzzer runs from one of its own sockets, as its client: it picks the conv and
 * numbers the PUSH segments, so whatever it puts in the byte stream reaches the server's snappy and smux
 * layers in order. Starting a new conversation from the same address (new conv, sn 0) makes the server
 * replace its session, so each fuzzer socket holds at most one server session.
 */
export class ForgedSession {
  conv = 0;
  private sn = 0;
  private seqid = 0;

  constructor(
    private readonly ctx: FuzzContext,
    readonly socket: number,
  ) {}

  restart(): void {
    this.conv = this.ctx.rng.u32();
    this.sn = 0;
    this.seqid = 0;
  }

  /** The sn the next PUSH gets. */
  nextSn(): number {
    const sn = this.sn;
    this.sn = (this.sn + 1) >>> 0;
    return sn;
  }

  /** The FEC seqid the next data shard gets. */
  nextSeqid(): number {
    return this.seqid++ >>> 0;
  }

  /** Send `stream` in order as PUSH segments of random sizes, several per datagram, optionally as FEC shards. */
  sendStream(stream: Buffer, maxSegment: number, fec = false): void {
    const room = fec ? KCP_ROOM_FEC : KCP_ROOM;
    const segments = cutRandomly(stream, Math.min(maxSegment, room - 24), this.ctx.rng).map((data) =>
      kcpSegment({ conv: this.conv, cmd: KCP_CMD_PUSH, sn: this.nextSn(), wnd: FORGED_WINDOW, data }),
    );
    for (const payload of packSegments(segments, room)) {
      this.send(fec ? fecData(this.nextSeqid(), payload) : payload);
    }
  }

  /** Seal a KCP or FEC payload with a valid outer header and send it from this session's socket. */
  send(payload: Buffer): void {
    this.ctx.send(this.socket, sealNone(payload, this.ctx.rng));
  }
}

/** What a fuzz class works with: the randomness, the fuzzer's sockets, the tap's corpus and live path. */
export class FuzzContext {
  /** Datagrams sent from the fuzzer's own addresses, and injected into the live session's path. */
  datagrams = 0;
  liveDatagrams = 0;
  readonly forged: ForgedSession[];

  private constructor(
    readonly rng: Rng,
    private readonly sockets: dgram.Socket[],
    readonly serverPort: number,
    readonly tap: CaptureTap,
  ) {
    this.forged = sockets.map((_, i) => new ForgedSession(this, i));
  }

  static async create(
    rng: Rng,
    serverPort: number,
    tap: CaptureTap,
    socketCount: number,
  ): Promise<FuzzContext> {
    const sockets: dgram.Socket[] = [];
    for (let i = 0; i < socketCount; i++) sockets.push(await openSocket('127.0.0.1'));
    return new FuzzContext(rng, sockets, serverPort, tap);
  }

  get socketCount(): number {
    return this.sockets.length;
  }

  /** A forged session on a random fuzzer socket, restarted (new conv, sn 0). */
  freshSession(): ForgedSession {
    const s = this.rng.pick(this.forged);
    s.restart();
    return s;
  }

  send(socket: number, datagram: Buffer): void {
    this.datagrams++;
    this.sockets[socket].send(datagram, this.serverPort, '127.0.0.1');
  }

  sendAnywhere(datagram: Buffer): void {
    this.send(this.rng.below(this.sockets.length), datagram);
  }

  /**
   * Make the server's session for `socket` one with `conv` (an ACK with sn 0 from that address replaces
   * whatever session it had), so that datagrams of that conv from there reach FEC and KCP.
   */
  adopt(socket: number, conv: number): void {
    const s = this.forged[socket];
    if (s.conv === conv) return;
    s.conv = conv;
    this.send(socket, sealNone(kcpSegment({ conv, cmd: KCP_CMD_ACK, sn: 0 }), this.rng));
  }

  /** Into the live session's path (see CaptureTap.injectLive). */
  injectLive(datagram: Buffer): void {
    if (this.tap.injectLive(datagram)) this.liveDatagrams++;
  }

  /** Send one datagram from a new address (127.x.y.z, ephemeral port), then close that socket. */
  async sendFromNewAddress(datagram: Buffer): Promise<void> {
    const r = this.rng.u32();
    const host = `127.${(r >>> 16) & 0xff}.${(r >>> 8) & 0xff}.${(r & 0xfe) | 1}`;
    const socket = await openSocket(host);
    this.datagrams++;
    await new Promise<void>((resolve) =>
      socket.send(datagram, this.serverPort, '127.0.0.1', () => resolve()),
    );
    socket.close();
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}

function openSocket(host: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.removeListener('error', reject);
      socket.on('error', () => {});
      // Replies (ACKs, echoed data) are read and dropped: the fuzzer never acknowledges anything.
      socket.on('message', () => {});
      resolve(socket);
    });
  });
}
