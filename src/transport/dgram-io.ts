import type dgram from 'node:dgram';
import { KCP_MTU_LIMIT } from '../kcp/index.js';
import { transportCounters } from './counters.js';
import { type UdpIo, UdpPeer, UNOPENED } from './udp-io.js';

/** The portable I/O: Node's dgram, one call per datagram each way. */
export class DgramIo implements UdpIo {
  onDatagram: (buf: Buffer, len: number, opened: number, offset: number) => void = () => {};
  onError: (err: Error) => void = () => {};
  private from: dgram.RemoteInfo | null = null;

  constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg, rinfo) => {
      this.from = rinfo;
      this.onDatagram(msg, msg.length, UNOPENED, 0);
    });
    socket.on('error', (err) => {
      transportCounters.udpSocketErrors++;
      this.onError(err);
    });
  }

  senderKey(): string {
    const from = this.from!;
    return `${from.address}|${from.port}`;
  }

  sender(): UdpPeer {
    return new UdpPeer(this.from!.address, this.from!.port);
  }

  claim(): Buffer {
    // dgram may keep the buffer queued after send returns, so every datagram gets its own.
    return Buffer.allocUnsafe(KCP_MTU_LIMIT);
  }

  send(buf: Buffer, len: number, to?: UdpPeer): void {
    if (to === undefined) this.socket.send(buf, 0, len);
    else this.socket.send(buf, 0, len, to.port, to.address);
  }

  close(): void {
    this.socket.close();
  }
}
