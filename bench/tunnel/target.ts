import { createHash } from 'node:crypto';
import net from 'node:net';
import { LISTEN_BACKLOG } from '../../src/tunnel/address.js';

/**
 * What a connection to the target asks for, in its first byte. The header is fixed-size: mode (1), transfer
 * id (4), length (8), all big-endian; it travels through the tunnel like the data.
 */
export const Mode = {
  /** The client sends `length` bytes; the target hashes them and reports to the waiter with that id. */
  Upload: 0x55,
  /** The target sends the first `length` bytes of its payload, then waits for the client to close. */
  Download: 0x44,
  /** The target echoes every byte. */
  Echo: 0x45,
  /** The target answers one byte and keeps the connection open until the client closes it. */
  Hold: 0x48,
  /** The target reads and drops everything: a load without the cost of hashing it. */
  Discard: 0x58,
  /** The target sends its payload over and over until the client closes the connection. */
  Stream: 0x53,
} as const;

export const HEADER_BYTES = 13;

export function header(mode: number, id: number, length: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h[0] = mode;
  h.writeUInt32BE(id, 1);
  h.writeBigUInt64BE(BigInt(length), 5);
  return h;
}

/** What the sink made of one upload. */
export interface UploadReceipt {
  sha256: string;
  bytes: number;
  /** Exactly `length` bytes arrived before the connection closed. */
  complete: boolean;
}

/**
 * The far end of every tunnel in the benchmark: a TCP sink, source, echo and holder on 127.0.0.1, living in
 * the benchmark process so the sink can hand its digest straight to the transfer that is waiting for it.
 */
export class BenchTarget {
  /** Connections in Hold mode that are open now. */
  holding = 0;
  private nextId = 1;
  private readonly waiters = new Map<number, (r: UploadReceipt) => void>();
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  private constructor(private readonly payload: Buffer) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async start(payload: Buffer): Promise<BenchTarget> {
    const t = new BenchTarget(payload);
    // The queue a tunnel's -l has: the server's dials of a thousand streams at once must not be reset here.
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', LISTEN_BACKLOG, resolve));
    return t;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Register an upload before connecting: its id goes in the header, the receipt comes from the sink. */
  expectUpload(): { id: number; receipt: Promise<UploadReceipt>; cancel: () => void } {
    const id = this.nextId++;
    const receipt = new Promise<UploadReceipt>((resolve) => this.waiters.set(id, resolve));
    return { id, receipt, cancel: () => this.waiters.delete(id) };
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    // Resets are expected when a tunnel is stopped; the transfer that owns the connection reports them.
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    let head = Buffer.alloc(0);
    const readHeader = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < HEADER_BYTES) return;
      socket.off('data', readHeader);
      const id = head.readUInt32BE(1);
      const length = Number(head.readBigUInt64BE(5));
      this.serve(socket, head[0], id, length, head.subarray(HEADER_BYTES));
    };
    socket.on('data', readHeader);
  }

  private serve(socket: net.Socket, mode: number, id: number, length: number, rest: Buffer): void {
    switch (mode) {
      case Mode.Upload:
        this.sink(socket, id, length, rest);
        return;
      case Mode.Download:
        if (length > this.payload.length) socket.destroy();
        else socket.write(this.payload.subarray(0, length));
        return;
      case Mode.Echo:
        if (rest.length > 0) socket.write(rest);
        socket.on('data', (chunk: Buffer) => socket.write(chunk));
        return;
      case Mode.Discard:
        socket.resume();
        return;
      case Mode.Stream: {
        const pump = (): void => {
          while (!socket.destroyed && socket.write(this.payload));
        };
        socket.on('drain', pump);
        pump();
        return;
      }
      case Mode.Hold:
        this.holding++;
        socket.on('close', () => this.holding--);
        socket.write(Buffer.of(1));
        return;
      default:
        socket.destroy();
    }
  }

  private sink(socket: net.Socket, id: number, length: number, first: Buffer): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) {
      socket.destroy();
      return;
    }
    this.waiters.delete(id);
    const hash = createHash('sha256');
    let got = 0;
    let settled = false;
    const settle = (complete: boolean): void => {
      if (settled) return;
      settled = true;
      waiter({ sha256: hash.digest('hex'), bytes: got, complete });
    };
    const take = (chunk: Buffer): void => {
      if (settled) return;
      got += chunk.length;
      if (got > length) {
        settle(false);
        socket.destroy();
        return;
      }
      hash.update(chunk);
      if (got === length) settle(true);
    };
    socket.on('data', take);
    socket.on('close', () => settle(false));
    if (first.length > 0) take(first);
  }
}
