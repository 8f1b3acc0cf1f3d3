import dgram from 'node:dgram';

export interface RelayOptions {
  /** Share of datagrams dropped client → server, 0..1. */
  dropUp: number;
  /** Share of datagrams dropped server → client, 0..1. */
  dropDown: number;
  /** Deterministic loss: the same seed drops the same datagrams. */
  seed?: number;
}

/**
 * The relay's sockets hold 4 MiB, as the tunnels' do (-sockbuf): with the system's default (208 KiB,
 * ~150 datagrams) a sender's burst overflowed them while this process was busy, and a "clean" link lost
 * datagrams for real (UdpRcvbufErrors), which -mode auto's parity then rightly followed.
 */
function relaySocket(): dgram.Socket {
  return dgram.createSocket({
    type: 'udp4',
    recvBufferSize: RELAY_SOCKET_BUFFER,
    sendBufferSize: RELAY_SOCKET_BUFFER,
  });
}

const RELAY_SOCKET_BUFFER = 4 << 20;

/**
 * A lossy UDP relay on 127.0.0.1: clients send to `port`; each client address gets its own upstream
 * socket towards the server, so the server sees one peer per client session, as through a NAT.
 */
export class UdpRelay {
  forwarded = 0;
  dropped = 0;
  /** Datagram bytes forwarded client → server. */
  bytesUp = 0;
  private readonly front = relaySocket();
  private readonly upstreams = new Map<string, dgram.Socket>();
  private rng: number;
  private bytesUpWaiter: { bytes: number; resolve: () => void } | null = null;

  private constructor(
    private readonly serverPort: number,
    private options: RelayOptions,
  ) {
    this.rng = (options.seed ?? 12345) >>> 0 || 1;
  }

  static async start(serverPort: number, options: RelayOptions): Promise<UdpRelay> {
    const relay = new UdpRelay(serverPort, options);
    await new Promise<void>((resolve) => relay.front.bind(0, '127.0.0.1', resolve));
    relay.front.on('message', (msg, rinfo) => relay.fromClient(msg, rinfo.address, rinfo.port));
    return relay;
  }

  get port(): number {
    return this.front.address().port;
  }

  /** Resolves once `bytes` datagram bytes in all have been forwarded client → server. */
  untilBytesUp(bytes: number): Promise<void> {
    if (this.bytesUp >= bytes) return Promise.resolve();
    return new Promise((resolve) => {
      this.bytesUpWaiter = { bytes, resolve };
    });
  }

  /** Change the loss each way from now on (a link that turns lossy mid-run). */
  setLoss(dropUp: number, dropDown: number): void {
    this.options = { ...this.options, dropUp, dropDown };
  }

  close(): void {
    this.front.close();
    for (const u of this.upstreams.values()) u.close();
  }

  private random(): number {
    // xorshift32: reproducible loss patterns without Math.random
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng / 0x100000000;
  }

  private fromClient(msg: Buffer, address: string, port: number): void {
    const key = `${address}:${port}`;
    let up = this.upstreams.get(key);
    if (up === undefined) {
      const socket = relaySocket();
      socket.bind(0, '127.0.0.1');
      socket.on('message', (reply) => {
        if (this.random() < this.options.dropDown) {
          this.dropped++;
          return;
        }
        this.forwarded++;
        this.front.send(reply, port, address);
      });
      this.upstreams.set(key, socket);
      up = socket;
    }
    if (this.random() < this.options.dropUp) {
      this.dropped++;
      return;
    }
    this.forwarded++;
    this.bytesUp += msg.length;
    if (this.bytesUpWaiter !== null && this.bytesUp >= this.bytesUpWaiter.bytes) {
      this.bytesUpWaiter.resolve();
      this.bytesUpWaiter = null;
    }
    up.send(msg, this.serverPort, '127.0.0.1');
  }
}
