/**
 * The tunnel's diagnosis lines: what arrives, worded in kcptun's flag names, one line per cause per peer
 * per minute (LogLimiter). Every such line of a tunnel instance is worded here, from what the transport
 * and the smux/snappy readers report; they depend only on what arrives, so they work against Go peers too.
 */
import { SmuxError } from '../smux/index.js';
import { nowMs } from '../transport/clock.js';
import { LogLimiter, type LogLimiterOptions } from '../transport/log-limiter.js';
import type { TransportObserver } from '../transport/observer.js';
import type { KcpSession, SessionMetrics } from '../transport/session.js';
import { formatHostPort } from '../transport/udp.js';
import type { UdpPeer } from '../transport/udp-io.js';
import { readSessionStart, type SessionStartMismatch } from './session-start.js';

/** A dialled session that hears nothing back this long is reported (is the server there at all?). */
export const NO_REPLY_MS = 10_000;

/**
 * A server's lines about its sessions (opened, closed), all peers together, at most this many a minute
 * (see Diagnosis.sessionLine): far above what clients that open -conn sessions and redial now and then
 * need, far below what datagrams from forged source addresses, each opening a session, would write.
 */
export const SESSION_LINES_PER_MINUTE = 120;

export interface DiagnosisOptions extends LogLimiterOptions {
  /** How long a dialled session may hear nothing before "no reply" is logged (NO_REPLY_MS). */
  readonly noReplyMs?: number;
  /**
   * The sessions' opened and closed lines are limited (a server's: its peers choose how many sessions
   * they open; see sessionLine). A client's are few, -conn and its redials, and are all written.
   */
  readonly limitSessionLines?: boolean;
}

const MIB = 1024 * 1024;
const KIB = 1024;

function formatBytes(n: number): string {
  if (n >= MIB) return `${(n / MIB).toFixed(1)} MiB`;
  if (n >= KIB) return `${(n / KIB).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Milliseconds since `then`, a nowMs() reading (the clock wraps at 2^32). */
function elapsedSince(then: number): number {
  return (nowMs() - then) >>> 0;
}

/** "10 s", or "0.3 s" below a second. */
function formatWholeSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : formatSeconds(ms);
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "in the last minute" for a full interval, else the span the count covers. */
function describeSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 55 && s <= 65 ? 'the last minute' : `the last ${s} s`;
}

/** The address of `host:port` without the port: a peer that redials comes from another port. */
export function hostOf(remote: string): string {
  const colon = remote.lastIndexOf(':');
  return colon < 0 ? remote : remote.slice(0, colon);
}

function wordMismatch(m: SessionStartMismatch): string {
  if (m.setting === 'smuxver') {
    return (
      `the session opened with a smux version ${m.version} frame where version ${m.expected} was expected: ` +
      `the peers differ in -smuxver (${m.expected} here)`
    );
  }
  if (m.found === 'snappy') {
    return (
      'the session opened with snappy framing where smux frames were expected: ' +
      'the peers differ in -nocomp (set here, not on the peer)'
    );
  }
  return (
    `the session opened with a smux version ${m.version} frame where snappy framing was expected: ` +
    'the peers differ in -nocomp (set on the peer, not here)'
  );
}

/** "a datagram from ... failed the checksum", or how many in the span the count covers. */
function failedChecksum(from: UdpPeer, count: number, sinceMs: number): string {
  const source = formatHostPort(from.address, from.port);
  return sinceMs < 0
    ? `a datagram from ${source} failed the checksum`
    : `${count} datagrams from ${source} failed the checksum in ${describeSpan(sinceMs)}`;
}

/** Hints for socket errors whose cause a user can act on. */
function socketErrorHint(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return ': nothing listens on that UDP port (is the server running?)';
  if (code === 'EMSGSIZE') return ': a datagram is larger than the path allows (lower -mtu)';
  return '';
}

/** One tunnel instance's diagnosis: its own limiter, so state is per instance. */
export class Diagnosis {
  private readonly limiter: LogLimiter;
  private readonly noReplyMs: number;
  private readonly limitSessionLines: boolean;
  private readonly now: () => number;
  /** The all-peers cap on session lines (sessionLine): when its minute began, lines written, held back. */
  private sessionMinuteStart = Number.NEGATIVE_INFINITY;
  private sessionLinesWritten = 0;
  private sessionLinesHeld = 0;

  /** For the listener or dialer: datagrams failing the checksum, socket errors, an I/O fallback. */
  readonly observer: TransportObserver = {
    undecryptable: (key, sender) => {
      if (this.limiter.holds('checksum', key)) return;
      this.limiter.reportCount('checksum', key, (count, sinceMs) => {
        return `${failedChecksum(sender(), count, sinceMs)}: the peers probably differ in -key or -crypt`;
      });
    },
    damaged: (key, sender) => {
      if (this.limiter.holds('damaged', key)) return;
      this.limiter.reportCount('damaged', key, (count, sinceMs) => {
        return (
          `${failedChecksum(sender(), count, sinceMs)} while its session's other datagrams opened: ` +
          'damaged or stray datagrams, not a -key or -crypt mismatch'
        );
      });
    },
    socketError: (err, socket) => {
      const code = (err as NodeJS.ErrnoException).code ?? err.message;
      this.limiter.report(
        `socket ${code}`,
        socket,
        () => `UDP ${socket}: ${err.message}${socketErrorHint(err)}`,
      );
    },
    fecShards: (remote, seen, ours) => {
      this.limiter.report(
        'fec shape',
        hostOf(remote),
        () =>
          `${remote}: FEC shards arrive in groups of ${seen.dataShards} data + ${seen.parityShards} parity, ` +
          `this end has -datashard ${ours.dataShards} -parityshard ${ours.parityShards}: the peers differ in ` +
          "-datashard/-parityshard (decoding adapts to the peer; a session that has sent parity keeps this end's shape)",
      );
    },
    peerWithoutFec: (remote) => {
      this.limiter.report(
        'peer without fec',
        hostOf(remote),
        () =>
          `${remote}: the peer sends without FEC (-datashard 0 -parityshard 0 at its end): -mode auto sends ` +
          'to it without FEC too',
      );
    },
    ioFallback: (reason) => {
      this.limiter.report('io fallback', '', () => `datagram I/O: dgram for a socket: ${reason}`);
    },
  };

  constructor(
    private readonly log: (line: string) => void,
    options: DiagnosisOptions = {},
  ) {
    this.limiter = new LogLimiter(log, options);
    this.noReplyMs = options.noReplyMs ?? NO_REPLY_MS;
    this.limitSessionLines = options.limitSessionLines ?? false;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * A line about one session of the peer at `remote` ("host:port"): its opening, its close. Limited (a
   * server's, limitSessionLines) to one per cause per address per minute, so an address that opens session
   * after session (a new conv in each datagram: a replay, a fuzzer) writes one line a minute with its count,
   * while each of a client's -conn sessions, from a port of its own, is seen. Datagrams from forged source
   * addresses make every session a new address, so all addresses' lines together are capped too, at
   * SESSION_LINES_PER_MINUTE a minute; the next line written says how many were held back.
   */
  sessionLine(cause: string, remote: string, message: () => string): void {
    if (!this.limitSessionLines) {
      this.log(message());
      return;
    }
    if (this.limiter.holds(cause, remote)) return;
    const now = this.now();
    if (now - this.sessionMinuteStart >= this.limiter.interval) {
      this.sessionMinuteStart = now;
      this.sessionLinesWritten = 0;
    }
    if (this.sessionLinesWritten >= SESSION_LINES_PER_MINUTE) {
      this.sessionLinesHeld++;
      return;
    }
    this.sessionLinesWritten++;
    const held = this.sessionLinesHeld;
    this.sessionLinesHeld = 0;
    this.limiter.report(cause, remote, () =>
      held === 0
        ? message()
        : `${message()} (${held} lines about other sessions held back: more than ${SESSION_LINES_PER_MINUTE} a minute)`,
    );
  }

  /**
   * A dialled session: report once if nothing comes back within noReplyMs (wrong -key or -crypt, a
   * stopped server or a closed UDP port all look like this from the client).
   */
  watchReply(session: KcpSession): void {
    const timer = setTimeout(() => {
      if (session.closed || session.metrics().datagramsReceived > 0) return;
      const remote = session.remoteLabel;
      this.limiter.report(
        'no reply',
        remote,
        () =>
          `no reply from ${remote} in ${formatWholeSeconds(this.noReplyMs)}: ` +
          'is the server running, the UDP port open, and are -key and -crypt the same?',
      );
    }, this.noReplyMs);
    timer.unref();
  }

  /**
   * A stream's dial of the target failed (`label` names the stream and the target): one line per error
   * code per peer host a minute, with the count on the next. A target that is down, or a peer opening
   * streams faster than the process has file descriptors (EMFILE), fails every stream alike.
   */
  targetDialFailed(label: string, err: Error, peer: string): void {
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    this.limiter.report(`target ${code}`, peer, () => `${label}: ${err.message}`);
  }

  /**
   * The smux session over `session` closed with `err` (undefined: a clean close). Logs why, and the
   * session's figures. A session whose first bytes show the peers differ in a setting is rejected (a
   * listener drops its retransmissions) and gets only the rate-limited mismatch line, keyed by `peer`.
   * Returns why the session failed, in one phrase, when it did.
   */
  sessionClosed(
    session: KcpSession,
    err: Error | undefined,
    smuxVersion: number,
    peer: string,
  ): string | undefined {
    const remote = session.remoteLabel;
    const mismatch = readSessionStart(err, smuxVersion);
    if (mismatch !== null) {
      session.reject();
      const reason = `${err!.message}: ${wordMismatch(mismatch)}`;
      this.limiter.report(`mismatch ${mismatch.setting}`, peer, () => `${remote}: ${reason}`);
      return reason;
    }
    const stats = session.metrics();
    const reason = this.reason(err, stats);
    this.sessionLine(
      'session closed',
      remote,
      () =>
        `session closed: ${remote} (conv ${session.conv})${reason === undefined ? '' : `: ${reason}`}; ${describeStats(stats)}`,
    );
    return reason;
  }

  private reason(err: Error | undefined, stats: SessionMetrics): string | undefined {
    if (err === undefined) return undefined;
    if (err instanceof SmuxError && err.code === 'KEEPALIVE_TIMEOUT') {
      const silence =
        stats.datagramsReceived === 0
          ? 'no datagram ever arrived'
          : `the last datagram arrived ${formatSeconds(elapsedSince(stats.lastReceivedAt))} ago`;
      return `${err.message}: ${silence}`;
    }
    return err.message;
  }
}

/** A session's life in one phrase: duration, bytes each way, srtt, retransmission ratio, FEC recoveries. */
export function describeStats(s: SessionMetrics): string {
  const sent = s.segmentsSent + s.segmentsRetransmitted;
  const ratio = sent === 0 ? 0 : (100 * s.segmentsRetransmitted) / sent;
  return (
    `lasted ${formatSeconds(elapsedSince(s.openedAt))}, sent ${formatBytes(s.bytesSent)}, ` +
    `received ${formatBytes(s.bytesReceived)}, srtt ${s.srtt} ms, ` +
    `retransmitted ${ratio.toFixed(1)}% of ${sent} segments, FEC recovered ${s.fecRecovered}`
  );
}
