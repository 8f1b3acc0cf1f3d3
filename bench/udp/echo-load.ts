import dgram from 'node:dgram';

/** A UDP echo target on 127.0.0.1 that also records, per flow, the sequence numbers it saw (in order). */
export class EchoRecorder {
  /** flow index → sequence numbers in arrival order. */
  readonly seen = new Map<number, number[]>();
  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (msg, rinfo) => {
      if (msg.length >= 8) {
        const flow = msg.readUInt32BE(0);
        let list = this.seen.get(flow);
        if (list === undefined) {
          list = [];
          this.seen.set(flow, list);
        }
        list.push(msg.readUInt32BE(4));
      }
      socket.send(msg, rinfo.port, rinfo.address);
    });
  }

  static async start(port = 0): Promise<EchoRecorder> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    return new EchoRecorder(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

/** A datagram of `size` bytes: flow u32, seq u32, then filler that depends on both (checked on return). */
export function datagram(flow: number, seq: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  b.writeUInt32BE(flow, 0);
  b.writeUInt32BE(seq, 4);
  for (let i = 8; i < size; i++) b[i] = (flow * 31 + seq * 7 + i) & 0xff;
  return b;
}

export function sameAs(b: Buffer, flow: number, seq: number, size: number): boolean {
  return b.length === size && b.equals(datagram(flow, seq, size));
}

/** A client socket on 127.0.0.1 with large buffers. */
export async function openSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return socket;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
