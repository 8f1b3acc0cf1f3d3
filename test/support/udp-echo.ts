import dgram from 'node:dgram';
import net from 'node:net';
import { WAIT_MS, within } from './deadline.js';

/**
 * A target listening on one port number for both TCP and UDP on 127.0.0.1: UDP datagrams are echoed to
 * their sender, TCP bytes are echoed and also kept, so a test can tell what reached the TCP side.
 */
export class EchoTarget {
  /** Everything TCP connections sent, in arrival order. */
  tcpBytes: Buffer[] = [];
  tcpConnections = 0;
  udpDatagrams = 0;

  private constructor(
    private readonly tcp: net.Server,
    private readonly udp: dgram.Socket | null,
  ) {}

  /** `udp: false` leaves the UDP port closed (the target of a server without -udp). */
  static async start(options: { udp: boolean } = { udp: true }): Promise<EchoTarget> {
    for (let attempt = 0; ; attempt++) {
      const tcp = net.createServer();
      await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
      const port = (tcp.address() as net.AddressInfo).port;
      if (!options.udp) return EchoTarget.wire(tcp, null);
      const udp = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
      const bound = await new Promise<boolean>((resolve) => {
        udp.once('error', () => resolve(false));
        udp.bind(port, '127.0.0.1', () => resolve(true));
      });
      if (bound) return EchoTarget.wire(tcp, udp);
      tcp.close();
      if (attempt > 20) throw new Error('no port free for both TCP and UDP');
    }
  }

  private static wire(tcp: net.Server, udp: dgram.Socket | null): EchoTarget {
    const target = new EchoTarget(tcp, udp);
    tcp.on('connection', (socket) => {
      target.tcpConnections++;
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => {
        target.tcpBytes.push(d);
        socket.write(d);
      });
      socket.on('end', () => socket.end());
    });
    udp?.on('message', (msg, rinfo) => {
      target.udpDatagrams++;
      udp.send(msg, rinfo.port, rinfo.address);
    });
    return target;
  }

  get port(): number {
    return (this.tcp.address() as net.AddressInfo).port;
  }

  close(): void {
    this.tcp.close();
    this.udp?.close();
  }
}

/** A UDP client socket on 127.0.0.1 that collects what comes back. */
export class UdpProbe {
  readonly received: Buffer[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (msg) => {
      this.received.push(msg);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(): Promise<UdpProbe> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpProbe(socket);
  }

  send(data: Buffer, port: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Resolves once `n` datagrams have come back; fails after WAIT_MS saying how many had. */
  waitFor(n: number): Promise<void> {
    const back = async (): Promise<void> => {
      while (this.received.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
    };
    return within(`${n} datagrams back`, WAIT_MS, back(), () => `${this.received.length} came back`);
  }

  close(): void {
    this.socket.close();
  }
}
