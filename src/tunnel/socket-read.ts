import net from 'node:net';
import type { Duplex } from 'node:stream';

/*
 * The tunnel's TCP sockets read into their smux streams here, both ends alike: the server's target sockets
 * (the download) and the client's local connections (the upload). A session that cannot send (its peer
 * stalled, out of coverage, or one that never acknowledges) would otherwise hold two 64 KiB reads per
 * stream, however many streams it has (docs/stream-memory-2026-12-07-synmem37.md, the server;
 * docs/stream-memory-2026-12-07-upload38.md, the client).
 */

/**
 * A socket's read: what libuv asks of a stream socket per read (64 KiB) and what Node's own reads took, so
 * a bulk stream makes as many read calls as before.
 */
export const SOCKET_READ_BYTES = 64 * 1024;
/**
 * What one stream may hold read from its socket and not yet taken by smux: two reads, one being framed
 * and one waiting behind it, as before (one read in the stream, Node's read-ahead in the socket), so a
 * bulk stream has its next read ready when its writer wants more.
 */
export const STREAM_READ_AHEAD = 2 * SOCKET_READ_BYTES;
/**
 * Bytes a session's streams may hold read from their sockets and not yet taken by smux, the room taken
 * for their next reads included, before its streams read SESSION_SHORT_READ_BYTES at a time. A session
 * that stalls (a peer out of coverage, or one that opens thousands of streams and never acknowledges)
 * held two 64 KiB reads per stream: 3000 streams, 330 MiB. A bulk stream takes up to 192 KiB of it (two
 * reads and the room for its next), so sixteen bulk streams (3 MiB) still read 64 KiB at a time; 4 MiB is
 * also what a session may hold received and unread by default (-smuxbuf). Sixteen bulk streams through
 * caps of 1, 2, 4 and 8 MiB: docs/stream-memory-2026-12-07-synmem37.md.
 */
export const SESSION_UNSENT_CAP = 4 * 1024 * 1024;
/**
 * A read without room (a stream's first, or any once the session's room is taken): what a stalled
 * session holds per stream. 8 KiB is one whole frame at our default -framesize, so the streams of a busy
 * session past its cap still send full frames (with 2 KiB reads and a 1 MiB cap, a probe's round trip
 * beside sixteen bulk streams rose 3-6 ms p50 in 4 of 4 pairs).
 */
export const SESSION_SHORT_READ_BYTES = 8 * 1024;
/**
 * A read of at least this many bytes is followed by a 64 KiB read (with room), a smaller one by a short
 * read: a stream whose peer had no more than a short read's worth (a request, an answer, a trickle) reads
 * short. A bulk stream whose source is slower than the tunnel reads less than 64 KiB each time; with the
 * next read short after every read that did not fill its buffer, 17-29 % of the server's bulk reads beside
 * sixteen bulk streams were 8 KiB reads; with this rule 0-1 % are, and 22 % fewer read calls carry the
 * same bytes (docs/stream-memory-2026-12-07-upload38.md). The price: a stream that goes quiet after such a
 * read keeps 64 KiB of its session's room until it reads again.
 */
export const LONG_READ_AFTER_BYTES = SESSION_SHORT_READ_BYTES;

/**
 * Every tunnel socket of this thread reads into this one buffer (net.Socket's `onread`): libuv reads
 * one socket at a time on this thread and the callback copies the bytes out before it returns, so no
 * socket keeps a buffer of its own while it waits, and none reads ahead (Node's own reads allocate
 * 64 KiB each and read one more while the stream is back-pressured).
 */
const sharedRead = Buffer.allocUnsafeSlow(SOCKET_READ_BYTES);
const sharedShortRead = sharedRead.subarray(0, SESSION_SHORT_READ_BYTES);

/**
 * One session's account of its sockets' reads: the bytes its streams hold read and not yet taken by smux,
 * plus the room taken for the reads they will make next; at most SESSION_UNSENT_CAP but for the short
 * read a stream holding nothing may make without room.
 */
export class SessionReads {
  /** Held and reserved bytes of all the session's streams. */
  unsent = 0;

  /** Take `bytes` of room for a read, if there is. */
  reserve(bytes: number): boolean {
    if (this.unsent + bytes > SESSION_UNSENT_CAP) return false;
    this.unsent += bytes;
    return true;
  }
}

/**
 * Reads one socket into its smux stream (the server's target, the client's local connection) through the
 * socket's `onread`: each read is copied into a buffer of its size and written to the stream. The size of a
 * read is chosen when the read before it returns (Node asks for the next buffer then), so a read is either
 * short (SESSION_SHORT_READ_BYTES) or has room taken for it in the session beforehand:
 * - a stream holding nothing may always make a short read, without room: a stream's first read, and one
 *   in a session with no room left (an answer is never held up by other streams' data);
 * - after a read of LONG_READ_AFTER_BYTES or more the next is SOCKET_READ_BYTES, after a smaller one (the
 *   peer had no more) a short one, each with room taken for it while the session has room, else a short
 *   one once the stream holds nothing again;
 * - the socket reads on while the stream holds less than STREAM_READ_AHEAD, else it waits for the
 *   stream's writes to complete (smux took their frames and the connection has room).
 * A stalled session therefore holds at most SESSION_UNSENT_CAP plus one short read per stream, however
 * its peer acknowledges, instead of two 64 KiB reads per stream; a bulk stream reads 64 KiB at a time from
 * its second read on. Room is held from the read before: a stream whose socket goes quiet right after a
 * read of LONG_READ_AFTER_BYTES or more keeps 64 KiB of room until it reads again.
 */
export class SocketReader {
  /** The `onread` option the socket is created with (net.connect, new net.Socket, readThrough). */
  readonly onread: { buffer: () => Buffer; callback: (bytes: number, buffer: Buffer) => boolean };
  private session: SessionReads | null = null;
  private socket: Duplex | null = null;
  private stream: Duplex | null = null;
  /** Written to the stream, its write callbacks not yet run (the stream's writableLength then). */
  private held = 0;
  /** The size of the next read: its buffer was handed to the socket after the last read. */
  private nextRead = SESSION_SHORT_READ_BYTES;
  /** Session room taken for the next read: nextRead, or 0 for a short read once nothing is held. */
  private reserved = 0;
  private paused = false;
  private stopped = false;
  private released = false;
  private readonly onWritten = (): void => this.written();

  constructor() {
    this.onread = {
      buffer: () => (this.nextRead === SOCKET_READ_BYTES ? sharedRead : sharedShortRead),
      callback: (bytes, buffer) => this.read(bytes, buffer),
    };
  }

  /** Bytes read from the socket that the stream has not yet taken. */
  get heldBytes(): number {
    return this.held;
  }

  /** The socket waits for the stream before it reads again. */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Start writing `socket`'s data (the socket created with `onread`, not reading yet) to `stream`, on the
   * account of `session`, the stream's smux session; returns the function that stops it (pipe.ts's
   * Copier). What the stream holds counts for the session until it has taken it or is gone.
   */
  start(socket: Duplex, stream: Duplex, session: SessionReads): () => void {
    this.session = session;
    this.socket = socket;
    this.stream = stream;
    stream.once('close', () => this.release());
    return () => {
      this.stopped = true;
    };
  }

  private read(bytes: number, buffer: Buffer): boolean {
    // Reads start after start(): the server's target socket reads from its 'connect', whose listener calls
    // start() first; the client's local socket is paused until its stream is open and start() has run.
    const stream = this.stream;
    const session = this.session;
    if (stream === null || session === null) return false;
    // The pair is closing (pipe.ts closeGracefully): the peer may still be sending while the socket lingers
    // after our FIN; read on and drop, so its FIN is seen and nothing left unread turns our close into a reset.
    if (this.stopped) return true;
    const chunk = Buffer.allocUnsafe(bytes);
    buffer.copy(chunk, 0, 0, bytes);
    // the room taken for this read now holds its bytes (a read that did not fill it gives the rest back)
    this.held += bytes;
    session.unsent += bytes - this.reserved;
    this.reserved = 0;
    const next = bytes >= LONG_READ_AFTER_BYTES ? SOCKET_READ_BYTES : SESSION_SHORT_READ_BYTES;
    if (session.reserve(next)) {
      this.nextRead = next;
      this.reserved = next;
    } else {
      this.nextRead = SESSION_SHORT_READ_BYTES;
    }
    stream.write(chunk, this.onWritten);
    if (this.mayRead()) return true;
    this.paused = true;
    return false;
  }

  /** Whether the next read may go ahead: it has room and the stream has space, or it is a free short read. */
  private mayRead(): boolean {
    if (this.reserved === 0) return this.held === 0;
    return this.held + this.nextRead <= STREAM_READ_AHEAD;
  }

  /** A write completed: what the stream still holds of ours is its writableLength. */
  private written(): void {
    if (this.released) return;
    const held = this.stream!.writableLength;
    this.session!.unsent -= this.held - held;
    this.held = held;
    if (this.paused && !this.stopped && this.mayRead()) {
      this.paused = false;
      this.socket!.resume();
    }
  }

  /** The stream is gone: whatever it held no longer counts (its write callbacks may never run). */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.stopped = true;
    this.session!.unsent -= this.held + this.reserved;
    this.held = 0;
    this.reserved = 0;
  }
}

/** What Node's accepted sockets keep their libuv handle in (net.js; undocumented, stable since Node 0.x). */
interface HandleHolder {
  _handle?: object | null;
}

/**
 * `accepted` (from a net.Server created with pauseOnConnect, not read yet) as a socket that reads through
 * `onread`: a net.Server gives the sockets it accepts no `onread` option, so its connection is handed, still
 * unread, to a socket made with one (net.Socket's `handle` option, which Node's own net.Server and
 * child_process use). `accepted` keeps nothing but its place in the server's count of connections
 * (maxConnections, close()), which it gives up when the new socket closes. Returns null when `accepted` has
 * no handle to take (it closed already, or a Node that keeps it elsewhere).
 */
export function readThrough(accepted: net.Socket, onread: SocketReader['onread']): net.Socket | null {
  const holder = accepted as unknown as HandleHolder;
  const handle = holder._handle;
  if (handle === undefined || handle === null || accepted.destroyed) return null;
  holder._handle = null;
  // what Node's onconnection gives the socket it makes, and onread
  const options = {
    handle,
    onread,
    allowHalfOpen: accepted.allowHalfOpen,
    pauseOnCreate: true,
    readable: true,
    writable: true,
  };
  const socket = new net.Socket(options as net.SocketConstructorOpts);
  socket.once('close', () => accepted.destroy());
  return socket;
}
