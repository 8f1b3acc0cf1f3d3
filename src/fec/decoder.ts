/**
 * FEC decoder of one session (docs/protocol.md §3.4, kcp-go v5.6.1 `fecDecoder`), fed every received FEC packet. It
 * keeps a seqid-ordered queue of recent shards and, once a group holds dataShards shards but misses data,
 * reconstructs the missing data packets. Data shards themselves go to KCP directly, not through here.
 *
 * Kept from v5.6.1: queue limit 3 x (ds+ps) (overflow drops the oldest, counted in FECShortShards when it
 * was data), 60 s expiry, group search around the inserted shard, autotune to the peer's (ds, ps).
 * Tolerated from later kcp-go: groups without parity (the latest encoder may skip it), OOB (0xF3) packets
 * and seqids >= paws (ignored).
 *
 * One deliberate difference: shards of a group that was already freed (all its data delivered or recovered)
 * are dropped on arrival. kcp-go queues them and, when parityShards >= dataShards (e.g. 1+1), "recovers"
 * the same data a second time from the late parity; KCP would discard the duplicates anyway.
 *
 * Memory is bounded whatever arrives: at most 3 x 256 queued shards of at most 1494 bytes, copied into
 * entries from a pool that all decoders of the thread share (nothing refers to the caller's buffer after
 * decode returns).
 */
import { KCP_CMD_WINS, KCP_MTU_LIMIT, KCP_OVERHEAD } from '../kcp/constants.js';
import { timeDiff } from '../kcp/time-diff.js';
import { datagramViews } from '../kcp/view-cache.js';
import { snmp } from '../metrics/snmp.js';
import { AutoTune } from './autotune.js';
import {
  FEC_HEADER_SIZE,
  FEC_HEADER_SIZE_PLUS2,
  FEC_TYPE_DATA,
  fecPaws,
  fecType,
  isFecShard,
} from './header.js';
import { MAX_TOTAL_SHARDS, type ReedSolomon, sharedReedSolomon } from './reed-solomon.js';

/** kcp-go `rxFECMulti`: the queue holds this many groups' worth of shards. */
export const RX_FEC_MULTI = 3;
/** kcp-go `fecExpire`: queued shards older than this (ms) are dropped. */
export const FEC_EXPIRE_MS = 60000;
/** Longest shard payload (size field or parity onwards) of a packet kcp-go can receive. */
const MAX_SHARD_BYTES = KCP_MTU_LIMIT - FEC_HEADER_SIZE;
/** kcp-go v5.6.1 accepts an autotuned data or parity count below this. */
const AUTOTUNE_LIMIT = 256;
/** How many recently finished groups are remembered so their late shards are dropped on arrival. */
const FINISHED_GROUPS = 16;
/**
 * Groups' worth of shards, each in its place under this decoder's configured shape, after which the peer
 * is taken to send that shape (peerShapeSame). Any other (ds, ps) puts a shard of the first two groups out
 * of place, and a lost shard can hide that only until the pattern repeats: over every shape up to (40, 12),
 * 2 groups confirmed a wrong shape in at most 0.24 % of 20000 trials each at 5 % random loss, 3 % at 20 %
 * (4 groups: 0 and 0.05 %; a Monte Carlo of this rule). A wrong guess costs little: the first shard out of
 * place revokes it (ParityTuner.peerShape). More groups cost full parity for longer: the peer's ACK stream
 * (~100 datagrams/s) needs ~0.2 s per 2 groups, while Startup doubles the flight each round trip.
 */
export const CONFIRM_GROUPS = 2;

/**
 * Pairs of a group's parity shards seen highest seqid first (FecEncoder.descendingParity) after which the
 * peer is taken to mark its parity, and how many times more often than in kcp-go's ascending order: a
 * path that reorders datagrams now and then turns a pair of Go's around, never most of them.
 */
export const PARITY_MARKS = 3;
export const PARITY_MARK_RATIO = 4;

/**
 * A data shard of exactly one KCP WINS segment: what a -mode auto session's shown groups carry
 * (KcpSession.showShape, Kcp.writeWindowTell). Their parity goes lowest seqid first, to show the shape
 * and not the marks; a group holding such a shard counts toward neither order (noteParityOrder), so that
 * the 6 ascending pairs of 3 shown 10/3 groups do not hold the marks back until over 24 descending pairs
 * (the ratio rule): link-sim had the server learn them at 1110-1310 ms instead of 330-440
 * (docs/link-first-flight-2026-12-07-flight35.md §4, docs/link-first-flight-2026-12-07-flight36.md).
 */
const WINDOW_TELL_SHARD = FEC_HEADER_SIZE_PLUS2 + KCP_OVERHEAD;
/** Where the KCP segment's cmd byte sits in a data shard (after the FEC header, size field and conv). */
const WINDOW_TELL_CMD_AT = FEC_HEADER_SIZE_PLUS2 + 4;

/** A queued shard: the packet's bytes from offset 6 (size field or parity) in a pooled buffer. */
class RxShard {
  seqid = 0;
  isData = false;
  length = 0;
  ts = 0;
  readonly data = Buffer.allocUnsafeSlow(MAX_SHARD_BYTES);
}

/**
 * Free shards, shared by every decoder of the thread. A pool per decoder kept its largest queue's worth
 * after the traffic stopped: 10 shards (15 KB) in each of a server's 1000 sessions once they had echoed
 * 64 KiB (docs/bench-tunnel-sessions-2026-12-03.md). A session's queue takes a shard per FEC packet and
 * gives a group's back when it is freed, so the pool only has to cover the swing of all queues together.
 */
const freeShards: RxShard[] = [];
/** The pool's cap: the longest queue one decoder can hold (the largest shape), so that one never allocates. */
const FREE_SHARDS_MAX = RX_FEC_MULTI * MAX_TOTAL_SHARDS + 1;

/**
 * What rx holds past rxLength: a slot there must not keep a shard that has gone back to the pool, which may
 * have dropped it (full) or handed it to another decoder.
 */
const NO_SHARD = new RxShard();

function takeShard(): RxShard {
  return freeShards.pop() ?? new RxShard();
}

function releaseShard(shard: RxShard): void {
  if (freeShards.length < FREE_SHARDS_MAX) freeShards.push(shard);
}

/** Free shards in the thread's pool now (tests: the pool is bounded). */
export function pooledShards(): number {
  return freeShards.length;
}

export class FecDecoder {
  /** After decode returned n: recovered[0, n) are fresh buffers of KCP bytes, owned by the caller. */
  readonly recovered: Buffer[] = [];

  private ds = 0;
  private ps = 0;
  private shardSize = 0;
  private rxLimit = 0;
  private paws = 0;
  private codec!: ReedSolomon;
  /** Per group position: set while assembling a group. */
  private present = new Uint8Array(0);
  /** Per group position: index into rx of the shard at that position. */
  private positionToRx = new Int32Array(0);
  /** Indices into rx of the group's shards, ascending. */
  private members = new Int32Array(0);

  /** Ordered by seqid (wrapping compare), deduplicated; rx[0, rxLength) are live. */
  private readonly rx: RxShard[] = [];
  private rxLength = 0;
  private readonly autoTune = new AutoTune();
  /** First seqids of recently freed groups (-1 = unused), written round-robin. */
  private readonly finished = new Float64Array(FINISHED_GROUPS);
  private finishedNext = 0;
  /** Shards whose type matched their place under the configured shape, and whether one was parity. */
  private inPlace = 0;
  private parityInPlace = false;
  /** A shard arrived out of place: the peer sends another shape (sticky). */
  private shapeMismatch = false;
  /** The last parity shard's seqid (-1: none yet), and pairs of one group's parity seen in each order. */
  private lastParity = -1;
  private parityDescending = 0;
  private parityAscending = 0;
  /**
   * First seqids of the two newest groups that held a window tell (WINDOW_TELL_SHARD; -1: none): their
   * parity's order is not counted. Two, so that a shown group's parity reordered behind the next shown
   * group's first shard is still left out.
   */
  private tellGroup = -1;
  private previousTellGroup = -1;
  /** The newest group's first seqid at the last dropClosedGroups (-1: none under this shape). */
  private quietGroup = -1;
  /**
   * Shards in place in a row since the last one out of place under the current shape (-1: none out of
   * place since it was set), and whether parity was among them: see placementTrusted.
   */
  private placedRun = -1;
  private placedRunParity = false;

  constructor(dataShards: number, parityShards: number) {
    if (!Number.isInteger(dataShards) || dataShards < 1) throw new Error(`fec: dataShards ${dataShards}`);
    if (!Number.isInteger(parityShards) || parityShards < 1) {
      throw new Error(`fec: parityShards ${parityShards}`);
    }
    if (dataShards + parityShards > MAX_TOTAL_SHARDS) {
      throw new Error(`fec: dataShards + parityShards ${dataShards + parityShards} > ${MAX_TOTAL_SHARDS}`);
    }
    this.configure(dataShards, parityShards);
  }

  /** Current data shards per group (changes when autotune adopts the peer's). */
  get dataShards(): number {
    return this.ds;
  }

  get parityShards(): number {
    return this.ps;
  }

  /**
   * The peer's stream has shown its (ds, ps) is this decoder's configured one: CONFIRM_GROUPS groups'
   * worth of shards, parity among them, all in place, none ever out of place. A kcptun peer's decoder has
   * the shape its encoder sends, so its autotune needs no full parity runs from us (ParityTuner).
   */
  get peerShapeSame(): boolean {
    return !this.shapeMismatch && this.parityInPlace && this.inPlace >= CONFIRM_GROUPS * this.shardSize;
  }

  /**
   * Whether a group's shards sit where the peer put them, so that rebuilding its missing data is sound:
   * no shard has arrived out of place under the current shape, or CONFIRM_GROUPS groups' worth have
   * arrived in place since, parity among them. A shard out of place shows the peer sends another shape
   * (or has just changed to this one: KcpSession.followFecShape); until autotune locks onto it, a group
   * assembled by seqid mixes the peer's groups, and Reed-Solomon "recovers" from it a linear combination
   * of other packets, which KCP may take into the stream when they have the same length and header bytes
   * (kcp-go v5.6.1 does rebuild then: a Go server with FEC 5/2 broke our 10/3 client's sessions,
   * docs/interop-fec-shape-2026-12-07-shape33.md). A retransmission repairs the loss instead.
   */
  private get placementTrusted(): boolean {
    return this.placedRun < 0 || (this.placedRunParity && this.placedRun >= CONFIRM_GROUPS * this.shardSize);
  }

  /**
   * The peer is known to send groups of (dataShards, parityShards) (another session to it showed them:
   * fec/peer-shape.ts): decode in that shape from now on, as if this decoder had been created with it.
   */
  follow(dataShards: number, parityShards: number): void {
    if (dataShards === this.ds && parityShards === this.ps) return;
    this.configure(dataShards, parityShards);
    this.inPlace = 0;
    this.parityInPlace = false;
    this.shapeMismatch = false;
  }

  /**
   * The peer sends its groups' parity highest seqid first (FecEncoder.descendingParity), which only ours
   * does, with a decoder that follows interleaved groups: interleaving toward it is safe (some kcp-go
   * decoders drop every shard of a group older than the newest seen, docs/link-fec-interleave-2026-12-05.md).
   */
  get peerMarksParity(): boolean {
    return (
      this.parityDescending >= PARITY_MARKS &&
      this.parityDescending > PARITY_MARK_RATIO * this.parityAscending
    );
  }

  /** Shards queued now; never more than 3 x (ds+ps) after decode returns. */
  get queueLength(): number {
    return this.rxLength;
  }

  /**
   * FEC groups with shards in the queue now (the latest kcp-go's FECShardSet, per session). The queue is
   * sorted by seqid, so a group's shards are adjacent: one pass counts the changes of group.
   */
  get queuedGroups(): number {
    let groups = 0;
    let last = -1;
    for (let i = 0; i < this.rxLength; i++) {
      const group = Math.floor(this.rx[i].seqid / this.shardSize);
      if (group !== last) groups++;
      last = group;
    }
    return groups;
  }

  /**
   * buf[offset, end) is one FEC packet (crypt header stripped; offset points at the seqid), `now` a ms clock
   * (a wrapping uint32 clock is fine).
   * Returns how many data packets were recovered into `recovered`. Never throws on any input bytes.
   */
  decode(buf: Buffer, offset: number, end: number, now: number): number {
    this.recovered.length = 0;
    const length = end - offset;
    if (!(offset >= 0 && end <= buf.length && length >= FEC_HEADER_SIZE_PLUS2)) {
      snmp.InErrs++;
      return 0;
    }
    const type = fecType(buf, offset);
    if (!isFecShard(type)) return 0;
    const isData = type === FEC_TYPE_DATA;
    if (!isData) snmp.FECParityShards++;
    if (length > KCP_MTU_LIMIT) return 0;

    const seqid = buf.readUInt32LE(offset);
    this.autoTune.sample(isData, seqid);
    if (seqid >= this.paws) return 0;
    if (!isData) this.noteParityOrder(seqid);
    else if (length === WINDOW_TELL_SHARD && buf[offset + WINDOW_TELL_CMD_AT] === KCP_CMD_WINS)
      this.noteWindowTell(seqid);
    const expectData = seqid % this.shardSize < this.ds;
    if (expectData !== isData) {
      this.shapeMismatch = true;
      this.placedRun = 0;
      this.placedRunParity = false;
      this.tune();
    } else {
      if (!this.shapeMismatch) {
        this.inPlace++;
        if (!isData) this.parityInPlace = true;
      }
      if (this.placedRun >= 0) {
        this.placedRun++;
        if (!isData) this.placedRunParity = true;
      }
    }
    if (this.recentlyFinished(seqid - (seqid % this.shardSize))) return 0;

    const insertAt = this.findInsertPosition(seqid);
    if (insertAt < 0) return 0;
    const shard = takeShard();
    shard.seqid = seqid;
    shard.isData = isData;
    shard.data.set(datagramViews.view(buf, offset + FEC_HEADER_SIZE, end), 0);
    shard.length = end - offset - FEC_HEADER_SIZE;
    shard.ts = now;
    this.insert(insertAt, shard);

    const count = this.collectGroup(seqid, insertAt);
    this.trim(now);
    return count;
  }

  /**
   * Counts pairs of one group's parity shards arriving in descending and in ascending seqid order, but for
   * the groups that held a window tell (a shown group's, see WINDOW_TELL_SHARD).
   */
  private noteParityOrder(seqid: number): void {
    const last = this.lastParity;
    this.lastParity = seqid;
    const group = seqid - (seqid % this.shardSize);
    if (last < 0 || last - (last % this.shardSize) !== group) return;
    if (group === this.tellGroup || group === this.previousTellGroup) return;
    if (seqid < last) this.parityDescending++;
    else if (seqid > last) this.parityAscending++;
  }

  /** A data shard of one WINS segment arrived (WINDOW_TELL_SHARD): its group's parity order is not counted. */
  private noteWindowTell(seqid: number): void {
    const group = seqid - (seqid % this.shardSize);
    if (group === this.tellGroup) return;
    this.previousTellGroup = this.tellGroup;
    this.tellGroup = group;
  }

  /** Adopt the peer's (ds, ps) when the type pattern shows a different, plausible period. */
  private tune(): void {
    const autoDS = this.autoTune.findPeriod('data');
    const autoPS = this.autoTune.findPeriod('parity');
    if (!(autoDS > 0 && autoPS > 0 && autoDS < AUTOTUNE_LIMIT && autoPS < AUTOTUNE_LIMIT)) return;
    if (autoDS + autoPS > MAX_TOTAL_SHARDS) return;
    if (autoDS !== this.ds || autoPS !== this.ps) this.configure(autoDS, autoPS);
  }

  private configure(dataShards: number, parityShards: number): void {
    this.ds = dataShards;
    this.ps = parityShards;
    this.shardSize = dataShards + parityShards;
    this.rxLimit = RX_FEC_MULTI * this.shardSize;
    this.paws = fecPaws(this.shardSize);
    this.codec = sharedReedSolomon(dataShards, parityShards);
    this.present = new Uint8Array(this.shardSize);
    this.positionToRx = new Int32Array(this.shardSize);
    this.members = new Int32Array(this.shardSize);
    // The queue itself is kept, as kcp-go does: its shards regroup under the new parameters.
    this.finished.fill(-1);
    this.quietGroup = -1;
    // autotune's lock saw a whole loss-free run of the peer's groups (or the shape is the configured one)
    this.placedRun = -1;
    this.placedRunParity = false;
  }

  /**
   * Whether the group starting at `groupBegin` was freed lately. A loop, not `finished.includes`: the
   * typed array's builtin is a call out of the optimized code for every shard, 12 samples of a server's
   * 1000-session profile (docs/bench-tunnel-sessions-2026-12-06-3.md); the loop over 16 is inlined.
   */
  private recentlyFinished(groupBegin: number): boolean {
    const finished = this.finished;
    for (let i = 0; i < FINISHED_GROUPS; i++) if (finished[i] === groupBegin) return true;
    return false;
  }

  /** Where seqid goes in the ordered queue, or -1 if it is already there. */
  private findInsertPosition(seqid: number): number {
    const rx = this.rx;
    for (let i = this.rxLength - 1; i >= 0; i--) {
      const diff = timeDiff(seqid, rx[i].seqid);
      if (diff === 0) return -1;
      if (diff > 0) return i + 1;
    }
    return 0;
  }

  private insert(at: number, shard: RxShard): void {
    const rx = this.rx;
    if (this.rxLength === rx.length) rx.push(shard);
    for (let i = this.rxLength; i > at; i--) rx[i] = rx[i - 1];
    rx[at] = shard;
    this.rxLength++;
  }

  /**
   * Look at the shards of seqid's group, which sit within one group's width of the inserted position.
   * Frees the group once it is complete or recoverable; returns the number of recovered packets.
   */
  private collectGroup(seqid: number, insertAt: number): number {
    const n = this.shardSize;
    const ds = this.ds;
    const position = seqid % n;
    const groupBegin = seqid - position;
    const searchBegin = Math.max(0, insertAt - position);
    const searchEnd = Math.min(searchBegin + n - 1, this.rxLength - 1);
    if (searchEnd - searchBegin + 1 < ds) return 0;

    const present = this.present;
    present.fill(0);
    let shards = 0;
    let dataShards = 0;
    let maxLength = 0;
    for (let i = searchBegin; i <= searchEnd; i++) {
      const shard = this.rx[i];
      const k = timeDiff(shard.seqid, groupBegin);
      if (k >= n) break;
      if (k < 0 || present[k] === 1) continue;
      present[k] = 1;
      this.positionToRx[k] = i;
      this.members[shards] = i;
      shards++;
      if (shard.isData) dataShards++;
      if (shard.length > maxLength) maxLength = shard.length;
    }

    let count = 0;
    if (dataShards === ds) {
      snmp.FECFullShardSet++;
    } else if (shards >= ds) {
      if (!this.placementTrusted) return 0; // the group stays queued, to be trimmed (placementTrusted)
      count = this.reconstruct(maxLength);
    } else {
      return 0;
    }
    this.removeMembers(shards);
    this.finished[this.finishedNext] = groupBegin;
    this.finishedNext = (this.finishedNext + 1) % FINISHED_GROUPS;
    return count;
  }

  private reconstruct(maxLength: number): number {
    const rows = this.codec.shards;
    const present = this.present;
    for (let k = 0; k < this.shardSize; k++) {
      if (present[k] === 0) continue;
      const shard = this.rx[this.positionToRx[k]];
      shard.data.copy(rows[k], 0, 0, shard.length);
      rows[k].fill(0, shard.length, maxLength);
    }
    if (!this.codec.reconstructData(present, maxLength)) {
      snmp.FECErrs++;
      return 0;
    }
    for (let k = 0; k < this.ds; k++) {
      if (present[k] === 1) continue;
      const row = rows[k];
      const size = row.readUInt16LE(0);
      if (size < 2 || size > maxLength) {
        snmp.FECErrs++;
        continue;
      }
      const packet = Buffer.allocUnsafe(size - 2);
      row.copy(packet, 0, 2, size);
      this.recovered.push(packet);
      snmp.FECRecovered++;
    }
    return this.recovered.length;
  }

  /** Drop rx[members[0, count)] (ascending indices) from the queue. */
  private removeMembers(count: number): void {
    const rx = this.rx;
    const members = this.members;
    let write = members[0];
    let read = write;
    for (let m = 0; m < count; m++) {
      const at = members[m];
      while (read < at) rx[write++] = rx[read++];
      releaseShard(rx[read++]);
    }
    while (read < this.rxLength) rx[write++] = rx[read++];
    rx.fill(NO_SHARD, write, this.rxLength);
    this.rxLength = write;
  }

  /**
   * The session went quiet (nothing of ours in flight or to acknowledge): drop the groups its sender has
   * closed. A sender fills one group at a time in seqid order (two with interleaving, which a peer that
   * marks its parity may do: peerMarksParity), so every shard of an older group went out before the newest
   * group's first. Judged against the newest group at the previous quiet point, so that a path reordering
   * datagrams for less than the time between two quiet points loses nothing. Without this, a group short
   * of shards waits for the queue limit or the 60 s expiry, both driven by later packets, which a quiet
   * session does not get: the server of 1000 sessions that Go's client dialled held 12,300 shards (18 MB)
   * in 2,545 such groups after the echo (docs/bench-tunnel-sessions-2026-12-05-4.md). kcp-go (>= v5.6.48)
   * keeps 3 groups behind the newest.
   */
  dropClosedGroups(): void {
    const n = this.rxLength;
    if (n === 0) return;
    const rx = this.rx;
    const size = this.shardSize;
    const previous = this.quietGroup;
    const newest = rx[n - 1].seqid;
    this.quietGroup = newest - (newest % size);
    if (previous < 0) return;
    const closedSpan = (this.peerMarksParity ? 2 : 1) * size;
    // the queue is in seqid order: the closed groups are a prefix
    let drop = 0;
    for (; drop < n; drop++) {
      const seqid = rx[drop].seqid;
      if (timeDiff(previous, seqid - (seqid % size)) < closedSpan) break;
    }
    this.dropFront(drop);
  }

  /** Enforce the queue limit, then expire old shards from the front. */
  private trim(now: number): void {
    const rx = this.rx;
    let drop = 0;
    while (this.rxLength - drop > this.rxLimit) {
      if (rx[drop].isData) snmp.FECShortShards++;
      drop++;
    }
    // Wrapping difference: `now` may be kcp's uint32 ms clock.
    while (drop < this.rxLength && timeDiff(now, rx[drop].ts) > FEC_EXPIRE_MS) drop++;
    this.dropFront(drop);
  }

  /** Return rx[0, drop) to the pool and move the rest to the front. */
  private dropFront(drop: number): void {
    if (drop === 0) return;
    const rx = this.rx;
    for (let i = 0; i < drop; i++) releaseShard(rx[i]);
    for (let i = drop; i < this.rxLength; i++) rx[i - drop] = rx[i];
    rx.fill(NO_SHARD, this.rxLength - drop, this.rxLength);
    this.rxLength -= drop;
  }
}

/**
 * The decoder a session without local FEC creates on its first FEC packet, as kcp-go does: (1, 1), which
 * autotune then moves to the peer's parameters.
 */
export function createFallbackFecDecoder(): FecDecoder {
  return new FecDecoder(1, 1);
}
