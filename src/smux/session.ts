import { EventEmitter } from 'node:events';
import type { ByteConnection, ByteSink } from '../transport/conn.js';
import { defaultSmuxConfig, type SmuxConfig, verifyConfig } from './config.js';
import { SmuxError } from './errors.js';
import {
  CMD_FIN,
  CMD_NOP,
  CMD_PSH,
  CMD_SYN,
  CMD_UPD,
  encodeControlFrame,
  encodeUpdFrame,
  INITIAL_PEER_WINDOW,
} from './frame.js';
import { FrameReader, READ_ERROR, READ_INCOMPLETE } from './frame-reader.js';
import { FrameWriter } from './frame-writer.js';
import { joinKeepAlive } from './keepalive-clock.js';
import { SmuxStream, type StreamHost } from './stream.js';

export type SmuxSessionEvents = {
  /** The peer opened a stream (a SYN for an unknown id). */
  stream: [stream: SmuxStream];
  /** The peer sent a NOP with a non-zero stream id (smux ignores the id; tunnel/negotiation.ts uses it). */
  nop: [sid: number];
  /** The session is closed; `err` says why unless it was a local close() or a clean connection close. */
  close: [err?: Error];
};

const MAX_STREAM_ID = 0xffffffff;
/** Client and server ids never collide: the client opens odd ids, the server even ones (smux's rule). */
const FIRST_CLIENT_STREAM_ID = 3;
const FIRST_SERVER_STREAM_ID = 2;
const STREAM_ID_STEP = 2;

/**
 * A smux session (xtaci/smux v1 or v2) over a reliable byte connection, made by `SmuxSession.client`
 * or `SmuxSession.server` (smux's Client and Server).
 *
 * Stream ids: the client opens odd ids from 3, the server even ids from 2 (nextStreamID starts at 1 or 0
 * and grows by 2 before use); when they run out, openStream throws a GOAWAY SmuxError.
 *
 * Receive budget (smux MaxReceiveBuffer): every PSH payload handed to a stream spends tokens, reading
 * it gives them back. While the budget is spent the session stops parsing and pauses the connection,
 * which back-pressures the peer through KCP's window; a peer that ignores v2 windows, or any v1 peer,
 * can therefore not make this end buffer more than the budget plus one frame.
 *
 * Keepalive: a NOP every keepAliveInterval; every keepAliveTimeout, if no frame arrived since the last
 * check and the budget is not spent (then the silence is this end's own doing), the session closes with
 * a KEEPALIVE_TIMEOUT SmuxError. A malformed frame closes it with a PROTOCOL SmuxError.
 *
 * Closing (close(), an error, or the connection closing) destroys every stream without an error, so
 * streams emit 'close' (no 'end', no 'error'); the reason, if any, comes with the session's 'close'.
 */
export class SmuxSession extends EventEmitter<SmuxSessionEvents> {
  private readonly config: Readonly<SmuxConfig>;
  private readonly streams = new Map<number, SmuxStream>();
  private readonly reader: FrameReader;
  private readonly writer: FrameWriter;
  private readonly host: StreamHost;
  /** Leaves the thread's keep-alive clock (keepalive-clock.ts). */
  private readonly stopPings: () => void;
  private readonly aliveTimer: NodeJS.Timeout;
  private nextStreamID: number;
  private goAway = false;
  private closed = false;
  private bucket: number;
  /**
   * The window a new stream's sender assumes until its first UPD (v2): smux's 262144, or the window the
   * peer advertised in its latest UPD on this session if larger. A smux peer advertises its configured
   * per-stream buffer (-streambuf) in every UPD, the same for each stream, so once one stream has heard it
   * the next may use it from its first byte; the receiver holds a stream's data up to that buffer (and the
   * session's) whichever UPD came first. With 262144, a download on a session whose congestion controller
   * already knows a 100 Mbit/s, 300 ms path sent 202 segments in its first round trip instead of the
   * thousands the controller allowed (150 ms/10 %, the link benchmark's warm download, its trace).
   */
  private newStreamPeerWindow = INITIAL_PEER_WINDOW;
  private connPaused = false;
  private started = false;
  private parsing = false;
  private parseScheduled = false;
  private frameArrived = false;

  /** The dialing side of `conn` (it opens odd stream ids); `config` defaults to kcptun's settings. */
  static client(conn: ByteConnection, config: SmuxConfig = defaultSmuxConfig()): SmuxSession {
    return new SmuxSession(conn, FIRST_CLIENT_STREAM_ID, config);
  }

  /** The accepting side of `conn` (it opens even stream ids); `config` defaults to kcptun's settings. */
  static server(conn: ByteConnection, config: SmuxConfig = defaultSmuxConfig()): SmuxSession {
    return new SmuxSession(conn, FIRST_SERVER_STREAM_ID, config);
  }

  private constructor(
    private readonly conn: ByteConnection,
    firstStreamID: number,
    config: SmuxConfig,
  ) {
    super();
    verifyConfig(config);
    this.config = { ...config };
    this.nextStreamID = firstStreamID - STREAM_ID_STEP;
    this.bucket = config.maxReceiveBuffer;
    this.reader = new FrameReader(config.version);
    this.writer = new FrameWriter(conn, config.maxFrameSize);
    this.host = this.makeStreamHost();
    this.stopPings = joinKeepAlive(config.keepAliveInterval, () => this.ping());
    this.aliveTimer = setInterval(() => this.checkAlive(), config.keepAliveTimeout).unref();
    const sink: ByteSink = {
      onData: (data) => this.onData(data),
      onDrain: () => this.writer.onDrain(),
      onClose: (err) => this.shutdown(err),
    };
    conn.attach(sink);
    // Frames that were already waiting are parsed once the caller has had a chance to listen for 'stream'.
    queueMicrotask(() => {
      this.started = true;
      this.parse();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Streams open in this session (including accepted ones not yet finished). */
  get numStreams(): number {
    return this.streams.size;
  }

  /** Open a stream (sends SYN). Throws a SmuxError: CLOSED after close, GOAWAY once ids are exhausted. */
  openStream(): SmuxStream {
    if (this.closed) throw new SmuxError('smux: session closed', 'CLOSED');
    if (this.goAway || this.nextStreamID + STREAM_ID_STEP > MAX_STREAM_ID) {
      this.goAway = true;
      throw new SmuxError('smux: stream id overflows, should start a new connection', 'GOAWAY');
    }
    this.nextStreamID += STREAM_ID_STEP;
    const sid = this.nextStreamID;
    const stream = new SmuxStream(sid, this.host);
    this.streams.set(sid, stream);
    this.writer.sendControl(encodeControlFrame(this.config.version, CMD_SYN, sid));
    return stream;
  }

  /**
   * Send a NOP carrying `sid`. Every smux implementation ignores a NOP's stream id, so this is a hint
   * only a peer listening for 'nop' notices, and harmless to any other.
   */
  sendNop(sid: number): void {
    if (!this.closed) this.writer.sendControl(encodeControlFrame(this.config.version, CMD_NOP, sid));
  }

  /**
   * v2: tell the peer this end's per-stream window before any stream opens, in a UPD with stream id 0 (no
   * stream), nothing consumed and the window (-streambuf). A smux peer drops a UPD for a stream it does not
   * know (Go's recvLoop looks the stream up first); ours takes the window for its new streams (see
   * newStreamPeerWindow). v1 has no UPD: nothing is sent.
   */
  announceStreamWindow(): void {
    if (this.closed || this.config.version < 2) return;
    this.writer.sendControl(encodeUpdFrame(this.config.version, 0, 0, this.config.maxStreamBuffer));
  }

  /** Close the session, its streams and the connection. Idempotent. */
  close(): void {
    this.shutdown();
  }

  private shutdown(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPings();
    clearInterval(this.aliveTimer);
    this.writer.close();
    const streams = [...this.streams.values()];
    this.streams.clear();
    // Without the error: an accepted stream may not have an 'error' listener yet, and one unhandled
    // 'error' would take the whole process down. The reason is on the session's 'close' event.
    for (const stream of streams) stream.destroy();
    this.conn.close();
    if (this.started) this.emit('close', err);
    else queueMicrotask(() => this.emit('close', err));
  }

  private makeStreamHost(): StreamHost {
    const session = this;
    const writer = this.writer;
    return {
      config: this.config,
      get isClosed() {
        return session.closed;
      },
      get newStreamPeerWindow() {
        return session.newStreamPeerWindow;
      },
      scheduleData: (source) => writer.scheduleData(source),
      scheduleSignal: (source) => writer.scheduleSignal(source),
      whenWritable: (callback) => writer.whenWritable(callback),
      sendControl: (frame) => writer.sendControl(frame),
      returnTokens: (n) => this.returnTokens(n),
      streamClosed: (stream, unread) => {
        if (this.closed) return;
        if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
        if (unread > 0) this.returnTokens(unread);
      },
    };
  }

  private onData(data: Buffer): void {
    if (this.closed) return;
    this.reader.feed(data);
    this.parse();
  }

  /** Handle buffered frames while the receive budget lasts (smux recvLoop). Never throws on bad input. */
  private parse(): void {
    if (this.parsing || !this.started || this.closed) return;
    this.parsing = true;
    try {
      while (this.bucket > 0 && !this.closed) {
        const result = this.reader.next();
        if (result === READ_INCOMPLETE) break;
        this.frameArrived = true;
        if (result === READ_ERROR) {
          this.shutdown(this.reader.error!);
          return;
        }
        this.handleFrame();
      }
    } finally {
      this.parsing = false;
    }
    this.applyBackpressure();
  }

  private handleFrame(): void {
    const { cmd, sid } = this.reader;
    switch (cmd) {
      case CMD_NOP:
        if (sid !== 0) this.emit('nop', sid);
        return;
      case CMD_SYN: {
        if (this.streams.has(sid)) return;
        const stream = new SmuxStream(sid, this.host);
        this.streams.set(sid, stream);
        this.emit('stream', stream);
        return;
      }
      case CMD_FIN:
        this.streams.get(sid)?.receiveFin();
        return;
      case CMD_PSH: {
        const payload = this.reader.payload;
        const stream = this.streams.get(sid);
        // Data for an unknown or finished stream is dropped without charging the budget (as smux does).
        if (payload.length === 0 || stream === undefined || !stream.acceptsPayload()) return;
        this.bucket -= payload.length;
        stream.receivePayload(payload);
        return;
      }
      case CMD_UPD: {
        const window = this.reader.updWindow;
        this.newStreamPeerWindow = Math.max(INITIAL_PEER_WINDOW, window);
        this.streams.get(sid)?.receiveWindowUpdate(this.reader.updConsumed, window);
        return;
      }
    }
  }

  private returnTokens(n: number): void {
    const before = this.bucket;
    this.bucket += n;
    if (before <= 0 && this.bucket > 0) this.scheduleParse();
  }

  /** Resume parsing outside the read call that returned the tokens, so reads never recurse into parsing. */
  private scheduleParse(): void {
    if (this.parseScheduled) return;
    this.parseScheduled = true;
    queueMicrotask(() => {
      this.parseScheduled = false;
      this.parse();
    });
  }

  private applyBackpressure(): void {
    if (this.closed) return;
    if (this.bucket <= 0 && !this.connPaused) {
      this.connPaused = true;
      this.conn.pause();
    } else if (this.bucket > 0 && this.connPaused) {
      this.connPaused = false;
      this.conn.resume();
    }
  }

  private ping(): void {
    // A NOP queued behind a back-pressured connection would only pile up; the queued data keeps the peer alive.
    if (!this.closed && !this.writer.isBlocked) {
      this.writer.sendControl(encodeControlFrame(this.config.version, CMD_NOP, 0));
    }
  }

  private checkAlive(): void {
    if (this.frameArrived) {
      this.frameArrived = false;
      return;
    }
    if (this.bucket > 0) this.shutdown(new SmuxError('smux: keepalive timeout', 'KEEPALIVE_TIMEOUT'));
  }
}
