import dgram from 'node:dgram';

/** How many datagrams of each direction the tap keeps (the newest replace the oldest). */
const CORPUS_SIZE = 4096;

/** Captured datagrams of one direction, as sent, in a ring. */
export class Capture {
  readonly packets: Buffer[] = [];
  /** The client address each packet came from (client → server direction). */
  readonly sources: string[] = [];
  private next = 0;
  total = 0;

  add(packet: Buffer, source: string): void {
    const copy = Buffer.from(packet);
    if (this.packets.length < CORPUS_SIZE) {
      this.packets.push(copy);
      this.sources.push(source);
    } else {
      this.packets[this.next] = copy;
      this.sources[this.next] = source;
      this.next = (this.next + 1) % CORPUS_SIZE;
    }
    this.total++;
  }
}

/**
 * A UDP relay between the real client and the server that records every datagram both ways (the fuzzer's
 * corpus of real packets) and can inject datagrams into the live session: they leave from the socket the
 * server knows as the client, which is what a spoofing attacker on the path could do.
 */
export class CaptureTap {
  readonly up = new Capture();
  readonly down = new Capture();
  private readonly front = dgram.createSocket('udp4');
  private readonly upstreams = new Map<string, dgram.Socket>();
  /** The client address whose upstream socket carries the live session now. */
  private current = '';

  private constructor(private readonly serverPort: number) {}

  static async start(serverPort: number): Promise<CaptureTap> {
    const tap = new CaptureTap(serverPort);
    await new Promise<void>((resolve) => tap.front.bind(0, '127.0.0.1', resolve));
    tap.front.on('message', (msg, rinfo) => tap.fromClient(msg, `${rinfo.address}:${rinfo.port}`, rinfo));
    tap.front.on('error', () => {});
    return tap;
  }

  get port(): number {
    return this.front.address().port;
  }

  /** The live session's client address (the key of its packets in `up.sources`). */
  get liveSource(): string {
    return this.current;
  }

  /** Send `datagram` to the server from the live client's address; false before the client sent anything. */
  injectLive(datagram: Buffer): boolean {
    const up = this.upstreams.get(this.current);
    if (up === undefined) return false;
    up.send(datagram, this.serverPort, '127.0.0.1');
    return true;
  }

  close(): void {
    this.front.close();
    for (const u of this.upstreams.values()) u.close();
  }

  private fromClient(msg: Buffer, key: string, rinfo: dgram.RemoteInfo): void {
    let up = this.upstreams.get(key);
    if (up === undefined) {
      const socket = dgram.createSocket('udp4');
      socket.bind(0, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('message', (reply) => {
        this.down.add(reply, key);
        this.front.send(reply, rinfo.port, rinfo.address);
      });
      this.upstreams.set(key, socket);
      up = socket;
    }
    this.current = key;
    this.up.add(msg, key);
    up.send(msg, this.serverPort, '127.0.0.1');
  }
}
