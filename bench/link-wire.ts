/**
 * Where a simulated download's wire bytes go (link-sim's wire lines, issue 15): per download, the bytes
 * each direction put on the link (what bench:link's wire ratio counts: IP packets entering the link, lost or
 * not), by kind, in units of the delivered bytes. Down (the sender's, against the bottleneck's cap): the first
 * transmission of each data segment's payload, the KCP header of every data segment sent, the crypt and FEC
 * header of every KCP datagram (Kcp.reserveBytes), the IP and UDP header of every datagram (parity too),
 * FEC parity (in Startup and Drain / after), the resends by why they went (KcpSendTrace: fast, early,
 * timeout, a second copy, a last-flight copy) and whether the receiver lacked the segment then (needed) or
 * held it already (needless), and the ACK segments of the sender's own datagrams. Up (the receiver's, against
 * the other direction's cap, which nothing else uses in a download): its ACK datagrams (with its request),
 * and its parity. smux's 8-byte frame header is not modelled (the simulator has no smux).
 *
 * A resend is needless when an earlier transmission of the segment reached the receiver (arrived, or was
 * rebuilt by its FEC decoder: the first copy the receiver's KCP took carries an older timestamp), needed
 * otherwise (a resend lost on the way too counts as needed: nothing earlier got through). Of the needless ones,
 * those the receiver already held as the resend went out (below its rcv_nxt or in its rcv_buf) are counted
 * apart: what a sender that knew all the receiver knows would not have sent. Resends are also counted by
 * where they fall: Startup and Drain; ProbeBW while the writer still has data for KCP; after the writer has
 * handed KCP its last byte (docs/link-bursty-2026-12-07-bursty33.md §2: the ACK-loss hold is off there).
 */

import type { SenderLimit } from '../src/fec/parity-tuner.js';
import { KCP_CMD_PUSH, KCP_OVERHEAD } from '../src/kcp/constants.js';
import {
  type KcpSendTrace,
  SEND_COPY,
  SEND_EARLY,
  SEND_FAST,
  SEND_FLIGHT_COPY,
  SEND_NEW,
  SEND_TIMEOUT,
} from '../src/kcp/index.js';
import { timeDiff } from '../src/kcp/time-diff.js';
import { senderLimit } from '../src/transport/auto-kcp.js';
import type { Endpoint } from '../test/kcp/kcp-pair-sim.js';

/** The resend kinds, in KcpSendTrace's numbering (SEND_FAST ... SEND_FLIGHT_COPY). */
const RESEND_KINDS = [SEND_FAST, SEND_EARLY, SEND_TIMEOUT, SEND_COPY, SEND_FLIGHT_COPY] as const;
const RESEND_NAMES = ['fast', 'early', 'RTO', 'copy', 'last-flight copy'] as const;
/** Where a needless resend falls (see the header). */
const WHERE = ['Startup+Drain', 'ProbeBW, writing', 'after hand-over'] as const;

const LIMITS = [
  'first-flight',
  'startup-ramp',
  'path-rate',
  'window',
  'last-flight',
  'out-of-data',
  'other',
] as const satisfies readonly SenderLimit[];

/** Adds the numbers of `w` into `v`, nested arrays of the same shape. */
function addInto(v: unknown[], w: unknown[]): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x === 'number') v[i] = x + (w[i] as number);
    else addInto(x as unknown[], w[i] as unknown[]);
  }
}

/** One download's sums (bytes, segments). */
export class WireSums {
  downloads = 0;
  delivered = 0;
  firstPayload = 0;
  kcpHeaders = 0;
  reservedHeaders = 0;
  ipUdpDown = 0;
  parityStartup = 0;
  parityAfter = 0;
  /** Resent payload bytes (their KCP headers are in kcpHeaders) by kind: needed / needless. */
  readonly needed = RESEND_KINDS.map(() => 0);
  readonly needless = RESEND_KINDS.map(() => 0);
  /** Needless resends (segments) by WHERE. */
  readonly needlessWhere = WHERE.map(() => 0);
  /** Needed resends (segments) by WHERE. */
  readonly neededWhere = WHERE.map(() => 0);
  /** Resends (segments) by kind and WHERE: needed, needless and held when sent, needless and not held. */
  readonly byKindWhere = RESEND_KINDS.map(() => WHERE.map(() => [0, 0, 0]));
  /** Needless resent payload bytes by kind that the receiver already held when they went out. */
  readonly held = RESEND_KINDS.map(() => 0);
  /** Needless resent payload bytes by kind whose segment's first copy the receiver had from its FEC decoder. */
  readonly rebuilt = RESEND_KINDS.map(() => 0);
  /** Parity bytes by WHERE, and by the sender's limit (senderLimit) at the step it went. */
  readonly parityWhere = WHERE.map(() => 0);
  readonly parityLimit = LIMITS.map(() => 0);
  ackDown = 0;
  downTotal = 0;
  upParity = 0;
  upTotal = 0;

  add(o: WireSums): void {
    for (const k of Object.keys(this) as (keyof WireSums)[]) {
      const v = this[k];
      const w = o[k];
      if (typeof v === 'number' && typeof w === 'number') (this as Record<string, unknown>)[k] = v + w;
      else if (Array.isArray(v) && Array.isArray(w)) addInto(v, w);
    }
  }
}

/** Counts a pair's bytes (a sends, b receives) for the cold download and, with a warm one, the warm. */
export class WireAccount implements KcpSendTrace {
  readonly cold = new WireSums();
  readonly warm = new WireSums();
  private current: WireSums | null = null;
  private a: Endpoint | null = null;
  private b: Endpoint | null = null;
  /** The timestamp of the first copy of each sn the receiver's KCP took (undefined: none yet). */
  private readonly firstTs: number[] = [];
  /** Whether that first copy was rebuilt by the receiver's FEC decoder. */
  private readonly firstRebuilt: boolean[] = [];
  /** When the receiver first took each sn (KCP clock), and the cold download's sends of each (kind, time). */
  private readonly firstAt: number[] = [];
  private readonly coldSends = new Map<number, number[]>();
  private lastNewAt = 0;
  /** The cold download's last segment to arrive: its sends and arrival relative to the last new segment. */
  lastArrival = '';
  /** The resends, five numbers each: sn, timestamp, kind index, WHERE index | held << 4, payload bytes. */
  private readonly resends: { sums: WireSums; row: number[] }[] = [];
  private readonly last = {
    aData: 0,
    aParityDatagrams: 0,
    aParity: 0,
    aBytes: 0,
    bDatagrams: 0,
    bParityDatagrams: 0,
    bParity: 0,
    bBytes: 0,
  };

  /**
   * `primeBytes`: the sender's prime before the download; `coldEnd`: the cold download's bytes; `warm`:
   * whether a warm download follows; `headerBytes`, `reserved`: the link's IP/UDP and the datagrams' crypt and
   * FEC header bytes.
   */
  constructor(
    private readonly primeBytes: number,
    private readonly coldEnd: number,
    private readonly withWarm: boolean,
    private readonly headerBytes: number,
    private readonly reserved: number,
  ) {
    this.cold.downloads = 1;
    this.cold.delivered = coldEnd;
    if (withWarm) {
      this.warm.downloads = 1;
      this.warm.delivered = coldEnd;
    }
  }

  /** PairOptions.observe: a sends, b receives. */
  observe(a: Endpoint, b: Endpoint): void {
    if (this.a === null) {
      this.a = a;
      this.b = b;
      a.kcp.sendTrace = this;
      const kcp = b.kcp;
      const input = kcp.input.bind(kcp);
      kcp.input = (data, offset, length, now, options) => {
        this.arrived(data, offset, length, options?.recovered === true, now);
        return input(data, offset, length, now, options);
      };
    }
    const cc = a.kcp.congestion;
    const startup = cc !== null && (cc.state === 'startup' || cc.state === 'drain');
    const s = this.current;
    const l = this.last;
    if (s !== null) {
      const parity = a.parityBytesOut - l.aParity;
      const parityDatagrams = a.parityDatagrams - l.aParityDatagrams;
      const dataDatagrams = a.datagrams - l.aData;
      const bytes = a.bytesOut - l.aBytes;
      if (startup) s.parityStartup += parity;
      else s.parityAfter += parity;
      s.parityWhere[startup ? 0 : a.sendDoneToLimit ? 2 : 1] += parity;
      s.parityLimit[LIMITS.indexOf(senderLimit(a.kcp))] += parity;
      s.reservedHeaders += dataDatagrams * this.reserved;
      s.ipUdpDown += (dataDatagrams + parityDatagrams) * this.headerBytes;
      s.downTotal += bytes + (dataDatagrams + parityDatagrams) * this.headerBytes;
      const bParity = b.parityBytesOut - l.bParity;
      s.upParity += bParity;
      const bDatagrams = b.datagrams - l.bDatagrams + b.parityDatagrams - l.bParityDatagrams;
      s.upTotal += b.bytesOut - l.bBytes + bDatagrams * this.headerBytes;
    }
    l.aData = a.datagrams;
    l.aParityDatagrams = a.parityDatagrams;
    l.aParity = a.parityBytesOut;
    l.aBytes = a.bytesOut;
    l.bDatagrams = b.datagrams;
    l.bParity = b.parityBytesOut;
    l.bBytes = b.bytesOut;
    l.bParityDatagrams = b.parityDatagrams;
    if (a.writeLimit > this.primeBytes && b.received < this.coldEnd) this.current = this.cold;
    else if (this.withWarm && a.writeLimit > this.coldEnd && !b.receiveDone) this.current = this.warm;
    else this.current = null;
  }

  /** The receiver's KCP is given a datagram: the first copy of each data segment's sn is noted. */
  private arrived(data: Buffer, offset: number, length: number, rebuilt: boolean, now: number): void {
    const end = offset + length;
    for (let p = offset; p + KCP_OVERHEAD <= end; ) {
      const cmd = data[p + 4];
      const ts = data.readUInt32LE(p + 8);
      const sn = data.readUInt32LE(p + 12);
      const len = data.readUInt32LE(p + 20);
      if (cmd === KCP_CMD_PUSH && this.firstTs[sn] === undefined) {
        this.firstTs[sn] = ts;
        this.firstRebuilt[sn] = rebuilt;
        this.firstAt[sn] = now >>> 0;
      }
      p += KCP_OVERHEAD + len;
    }
  }

  /** KcpSendTrace: a data segment of a's went out. */
  segment(sn: number, len: number, kind: number, now: number): void {
    const s = this.current;
    const a = this.a;
    const b = this.b;
    if (s === null || a === null || b === null) return;
    s.kcpHeaders += KCP_OVERHEAD;
    if (s === this.cold) {
      const sends = this.coldSends.get(sn);
      if (sends === undefined) this.coldSends.set(sn, [kind, now >>> 0]);
      else sends.push(kind, now >>> 0);
      if (kind === SEND_NEW) this.lastNewAt = now >>> 0;
    }
    if (kind === SEND_NEW) {
      s.firstPayload += len;
      return;
    }
    const i = RESEND_KINDS.indexOf(kind as (typeof RESEND_KINDS)[number]);
    const cc = a.kcp.congestion;
    const where =
      cc !== null && (cc.state === 'startup' || cc.state === 'drain') ? 0 : a.sendDoneToLimit ? 2 : 1;
    const held = b.kcp.holdsReceived(sn) ? 1 : 0;
    this.resends.push({ sums: s, row: [sn, now, i, where | (held << 4), len] });
  }

  /** Ends the download: the sender's own ACK segments are what its KCP datagrams carried besides data. */
  finish(): void {
    let last = -1;
    for (const sn of this.coldSends.keys()) {
      const at = this.firstAt[sn];
      if (at !== undefined && (last < 0 || timeDiff(at, this.firstAt[last]) > 0)) last = sn;
    }
    if (last >= 0) {
      const names = ['', 'new', ...RESEND_NAMES];
      const sends = this.coldSends.get(last)!;
      const parts: string[] = [];
      for (let i = 0; i < sends.length; i += 2)
        parts.push(`${names[sends[i]]}@${timeDiff(sends[i + 1], this.lastNewAt)}`);
      const first = timeDiff(this.firstTs[last], this.lastNewAt);
      this.lastArrival =
        `sn ${last}: ${parts.join(' ')}; arrived @${timeDiff(this.firstAt[last], this.lastNewAt)} ` +
        `(the copy sent @${first}${this.firstRebuilt[last] ? ', rebuilt by FEC' : ''})`;
    }
    for (const { sums: s, row } of this.resends) {
      const [sn, ts, i, flags, len] = row;
      const where = flags & 15;
      const first = this.firstTs[sn];
      if (first !== undefined && timeDiff(first, ts) < 0) {
        s.needless[i] += len;
        s.needlessWhere[where]++;
        if (flags >> 4 !== 0) s.held[i] += len;
        s.byKindWhere[i][where][flags >> 4 !== 0 ? 1 : 2]++;
        if (this.firstRebuilt[sn]) s.rebuilt[i] += len;
      } else {
        s.needed[i] += len;
        s.neededWhere[where]++;
        s.byKindWhere[i][where][0]++;
      }
    }
    for (const s of [this.cold, this.warm]) {
      const pushes =
        s.firstPayload +
        s.kcpHeaders +
        s.needed.reduce((x, y) => x + y, 0) +
        s.needless.reduce((x, y) => x + y, 0);
      s.ackDown = s.downTotal - s.ipUdpDown - s.reservedHeaders - s.parityStartup - s.parityAfter - pushes;
    }
  }
}

/** The wire lines for a profile's downloads (`label`: cold or warm). */
export function wireLines(label: string, xs: readonly WireSums[]): string[] {
  const t = new WireSums();
  for (const x of xs) t.add(x);
  const per = (v: number) => (v / t.delivered).toFixed(3);
  const n = t.downloads;
  const neededTotal = t.needed.reduce((x, y) => x + y, 0);
  const needlessTotal = t.needless.reduce((x, y) => x + y, 0);
  return [
    `  wire, ${label} (bytes per delivered byte, ${n} downloads): down ${per(t.downTotal)} = first copies ` +
      `${per(t.firstPayload)} + KCP headers ${per(t.kcpHeaders)} + crypt/FEC headers ${per(t.reservedHeaders)} + ` +
      `IP/UDP ${per(t.ipUdpDown)} + parity ${per(t.parityStartup)} in Startup+Drain / ${per(t.parityAfter)} after + ` +
      `resends needed ${per(neededTotal)} (${RESEND_NAMES.map((k, i) => `${k} ${per(t.needed[i])}`).join(', ')}) + ` +
      `needless ${per(needlessTotal)} (${RESEND_NAMES.map((k, i) => `${k} ${per(t.needless[i])}`).join(', ')}; ` +
      `of them held by the receiver when sent: ${RESEND_NAMES.map((k, i) => `${k} ${per(t.held[i])}`).join(', ')}; ` +
      `first had from its FEC: ${RESEND_NAMES.map((k, i) => `${k} ${per(t.rebuilt[i])}`).join(', ')}) + ` +
      `ACK segments ${per(t.ackDown)}; up ${per(t.upTotal)} (parity ${per(t.upParity)}); both ${per(t.downTotal + t.upTotal)}`,
    `  parity: ${WHERE.map((w, i) => `${w} ${per(t.parityWhere[i])}`).join(', ')}; by the sender's limit: ` +
      `${LIMITS.map((w, i) => `${w} ${per(t.parityLimit[i])}`).join(', ')}`,
    `  resends per download, needed / needless: ${WHERE.map(
      (w, i) => `${w} ${(t.neededWhere[i] / n).toFixed(0)} / ${(t.needlessWhere[i] / n).toFixed(0)}`,
    ).join(', ')}`,
    `  resends per download by kind, needed / needless held when sent / needless not held: ${RESEND_NAMES.map(
      (k, i) =>
        `${k}: ${WHERE.map((w, j) => `${w} ${t.byKindWhere[i][j].map((x) => (x / n).toFixed(0)).join('/')}`).join(', ')}`,
    ).join('; ')}`,
  ];
}
