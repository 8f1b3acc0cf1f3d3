/**
 * The messages of a UDP channel (docs/udp-forwarding.md): one smux stream per session carries every
 * flow of that session, each datagram as one length-prefixed message, so datagram boundaries survive
 * the byte stream.
 *
 *   type u8 | flow u32 BE | length u16 BE | payload[length]
 *
 * DATA (1) carries one datagram of the flow; CLOSE (2), with length 0, says the sender forgot the flow
 * (idle timeout, or its socket failed). Anything else is a protocol error that closes the channel.
 */

/** The largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP): nothing larger can be read or sent. */
export const MAX_DATAGRAM_SIZE = 65507;
export const UDP_MESSAGE_HEADER_SIZE = 7;
export const MSG_DATA = 1;
export const MSG_CLOSE = 2;

function writeHeader(out: Buffer, type: number, flow: number, length: number): void {
  out[0] = type;
  out.writeUInt32BE(flow >>> 0, 1);
  out.writeUInt16BE(length, 5);
}

/** One DATA message: a fresh buffer, because the stream below keeps it until it is sent. */
export function encodeData(flow: number, payload: Uint8Array): Buffer {
  if (payload.length > MAX_DATAGRAM_SIZE) {
    throw new RangeError(`udp: datagram of ${payload.length} bytes exceeds ${MAX_DATAGRAM_SIZE}`);
  }
  const out = Buffer.allocUnsafe(UDP_MESSAGE_HEADER_SIZE + payload.length);
  writeHeader(out, MSG_DATA, flow, payload.length);
  out.set(payload, UDP_MESSAGE_HEADER_SIZE);
  return out;
}

export function encodeClose(flow: number): Buffer {
  const out = Buffer.allocUnsafe(UDP_MESSAGE_HEADER_SIZE);
  writeHeader(out, MSG_CLOSE, flow, 0);
  return out;
}

export interface UdpMessageHandler {
  data(flow: number, payload: Buffer): void;
  close(flow: number): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Incremental parser of channel messages over input split anywhere. A payload that arrived in one
 * chunk is handed out as a view of that chunk (the stream gives each chunk away, nothing reuses it);
 * one split across chunks is assembled into its own buffer. After a protocol error the reader stays
 * failed and `error` says why.
 */
export class UdpFrameReader {
  error: string | null = null;
  private readonly header = Buffer.alloc(UDP_MESSAGE_HEADER_SIZE);
  private headerFill = 0;
  private flow = 0;
  /** The payload being assembled across chunks, or null while reading a header. */
  private payload: Buffer | null = null;
  private payloadFill = 0;

  constructor(private readonly handler: UdpMessageHandler) {}

  /** Parse `chunk`; returns false once the input is malformed. */
  feed(chunk: Buffer): boolean {
    let at = 0;
    while (at < chunk.length && this.error === null) {
      if (this.payload === null) {
        if (this.headerFill === 0 && chunk.length - at >= UDP_MESSAGE_HEADER_SIZE) {
          at = this.startMessage(chunk, at, chunk);
          continue;
        }
        const n = Math.min(UDP_MESSAGE_HEADER_SIZE - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + n);
        this.headerFill += n;
        at += n;
        if (this.headerFill === UDP_MESSAGE_HEADER_SIZE) {
          this.headerFill = 0;
          at = this.startMessage(this.header, 0, chunk, at);
        }
        continue;
      }
      const n = Math.min(this.payload.length - this.payloadFill, chunk.length - at);
      chunk.copy(this.payload, this.payloadFill, at, at + n);
      this.payloadFill += n;
      at += n;
      if (this.payloadFill === this.payload.length) {
        const payload = this.payload;
        this.payload = null;
        this.handler.data(this.flow, payload);
      }
    }
    return this.error === null;
  }

  /**
   * Decode the header at `header[h]`; the payload follows in `chunk` at `at` (equal to h + header size
   * when the header is in the chunk itself). Returns where parsing continues in `chunk`.
   */
  private startMessage(header: Buffer, h: number, chunk: Buffer, at = h + UDP_MESSAGE_HEADER_SIZE): number {
    const type = header[h];
    const flow = header.readUInt32BE(h + 1);
    const length = header.readUInt16BE(h + 5);
    if (type === MSG_CLOSE) {
      if (length !== 0) return this.fail(`CLOSE with ${length} payload bytes`, chunk);
      this.handler.close(flow);
      return at;
    }
    if (type !== MSG_DATA) return this.fail(`unknown message type ${type}`, chunk);
    if (length > MAX_DATAGRAM_SIZE) return this.fail(`DATA of ${length} bytes`, chunk);
    if (chunk.length - at >= length) {
      this.handler.data(flow, length === 0 ? EMPTY : chunk.subarray(at, at + length));
      return at + length;
    }
    this.flow = flow;
    this.payload = Buffer.allocUnsafe(length);
    this.payloadFill = 0;
    return at;
  }

  private fail(reason: string, chunk: Buffer): number {
    this.error = `udp channel: ${reason}`;
    return chunk.length;
  }
}
