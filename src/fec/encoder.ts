/**
 * FEC encoder of one session direction (docs/protocol.md §3.2): stamps every outgoing KCP packet as a data shard and,
 * after every dataShards of them, produces parityShards parity datagrams, byte-compatible with kcp-go.
 *
 * Packet layout, H = headerOffset (the crypt header, filled later by the crypt layer):
 *   data:   [0,H) crypt | seqid u32 | 0x00F1 | size u16 = len - (H+6) | KCP bytes
 *   parity: [0,H) crypt | seqid u32 | 0x00F2 | parity bytes up to the longest data packet of the group
 * The RS shards are the bytes from H+6 (size field included), zero-padded to the group's longest packet.
 *
 * Interleaving (docs/protocol.md §3.2): with `interleave` set, two groups are open at once and consecutive
 * datagrams alternate between them, so a burst of lost datagrams hits each group about half as hard. Each
 * shard keeps the seqid of its own group and its place in it; nothing in the header changes, only the
 * order. A group's parity goes out one datagram at a time after the other group's next data packets. A
 * new group opens once the open one has `stagger` data shards, half a group: the older group is then always
 * stagger to dataShards − 1 data shards ahead, so its parity (at most parityShards, one per data packet of
 * the newer group) is out before the newer group's dataShards-th shard, and only one group at a time owes
 * parity (a rule sends the rest at once should that order ever be at risk). Needs dataShards >=
 * parityShards + 2 (10+3: stagger 6); other shapes do not interleave. kcp-go v5.6.1's decoder and the
 * latest's (>= v5.6.48) follow such a stream; v5.6.22-v5.6.47 drop every shard of a group older than the
 * newest one seen, which no order of two open groups avoids: the session interleaves only toward a peer
 * whose parity shows it is ours (descendingParity; docs/link-fec-interleave-2026-12-05.md).
 */
import { KCP_MTU_LIMIT } from '../kcp/constants.js';
import { datagramViews } from '../kcp/view-cache.js';
import { FEC_HEADER_SIZE, FEC_HEADER_SIZE_PLUS2, FEC_TYPE_DATA, FEC_TYPE_PARITY, fecPaws } from './header.js';
import { MAX_TOTAL_SHARDS, type ReedSolomon, sharedReedSolomon } from './reed-solomon.js';

/**
 * Data shards the open group has when a second one opens (see the file's comment): half a group, which
 * keeps the older group's lead within [parityShards + 1, dataShards − 1]; 0 for shapes that cannot interleave.
 */
export function interleaveStagger(dataShards: number, parityShards: number): number {
  const stagger = Math.floor((dataShards + parityShards) / 2);
  return stagger >= parityShards + 1 && stagger <= dataShards - 1 ? stagger : 0;
}

/** One open FEC group: its seqids, its data shards so far, and its parity still to send. */
class Group {
  open = false;
  /** Seqid of its first data shard, a multiple of dataShards + parityShards. */
  base = 0;
  dataCount = 0;
  maxPacketLength = 0;
  /** Parity datagrams it sends (fixed when its data is complete), and how many have gone out. */
  parityCount = 0;
  paritySent = 0;
  /** Its parity datagrams' length before the trailer. */
  parityLength = 0;
  readonly shards: Buffer[] = [];
  readonly shardLengths: Int32Array;
  /** Interleaving only: its parity, kept until sent (the codec's rows are shared by every encoder). */
  readonly parityRows: Buffer[] = [];

  constructor(dataShards: number, shardSize: number) {
    // Not zeroed: complete() pads each shard with zeros past its length itself, and nothing reads further
    // (a zero-filled 14.7 KB per session cost the 1000-session server ~2x the allocation's time).
    const storage = Buffer.allocUnsafeSlow(shardSize * dataShards);
    for (let i = 0; i < dataShards; i++)
      this.shards.push(storage.subarray(i * shardSize, (i + 1) * shardSize));
    this.shardLengths = new Int32Array(dataShards);
  }

  /** Interleaving switched on: from now on this group keeps its parity until sent. */
  keepParity(parityShards: number, shardSize: number): void {
    if (this.parityRows.length > 0) return;
    // Not zeroed either: a row is written (complete) before writeParity reads it, and only that far.
    const parity = Buffer.allocUnsafeSlow(shardSize * parityShards);
    for (let i = 0; i < parityShards; i++) {
      this.parityRows.push(parity.subarray(i * shardSize, (i + 1) * shardSize));
    }
  }

  get inParity(): boolean {
    return this.open && this.paritySent < this.parityCount;
  }
}

export class FecEncoder {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly headerOffset: number;
  readonly trailerSize: number;
  /**
   * Seqid the next group starts at; 0 at first like kcp-go (writable so tests can start near the wrap).
   * Without interleaving it is the next packet's seqid whenever no group is part-filled.
   */
  nextSeqid = 0;
  /** Length of the parity datagrams of the last completed group, before the trailer. */
  parityLength = 0;
  /** Groups opened beside an open one (interleaved), since the start. */
  interleavedGroups = 0;
  /** Parity datagrams handed out for writeParity since the start. */
  parityEmitted = 0;
  /**
   * Parity datagrams actually sent per group, 0..parityShards (-mode auto's adaptive FEC). The group
   * keeps its (dataShards, parityShards) shape on the wire: seqid still advances by parityShards, the
   * unsent parity simply never arrives. Both kcp-go decoders (v5.6.1 and the latest) follow such a
   * change at once, while changing the shape itself or restarting seqid would stall their autotune.
   */
  private activeParity: number;
  /**
   * Send each group's parity highest seqid first: a mark that every decoder takes (all of them place a
   * shard by its seqid, and kcp-go's autotune only looks at types) and ours recognizes
   * (FecDecoder.peerMarksParity): it tells a peer that this side's decoder follows interleaved groups.
   */
  descendingParity = false;
  /** Whether a second group may open (see the file's comment); open groups finish either way. */
  private interleaving = false;
  /** interleaveStagger of the shape; 0: never interleaves. */
  private readonly stagger: number;

  private readonly paws: number;
  private readonly shardSize: number;
  private readonly codec: ReedSolomon;
  /** groups[1] exists once interleaving was first asked for: a session without it keeps one group's memory. */
  private readonly groups: Group[];
  /** The group the last data packet went to. */
  private last = 0;
  /** What writeParity writes: group index × 256 + parity index, in send order. */
  private readonly emits: Int32Array;
  private emitCount = 0;

  constructor(dataShards: number, parityShards: number, headerOffset = 0, trailerSize = 0) {
    if (!Number.isInteger(dataShards) || dataShards < 1) throw new Error(`fec: dataShards ${dataShards}`);
    if (!Number.isInteger(parityShards) || parityShards < 1) {
      throw new Error(`fec: parityShards ${parityShards}`);
    }
    if (dataShards + parityShards > MAX_TOTAL_SHARDS) {
      throw new Error(`fec: dataShards + parityShards ${dataShards + parityShards} > ${MAX_TOTAL_SHARDS}`);
    }
    if (!Number.isInteger(headerOffset) || headerOffset < 0 || headerOffset >= KCP_MTU_LIMIT) {
      throw new Error(`fec: headerOffset ${headerOffset}`);
    }
    if (!Number.isInteger(trailerSize) || trailerSize < 0) throw new Error(`fec: trailerSize ${trailerSize}`);
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    this.headerOffset = headerOffset;
    this.trailerSize = trailerSize;
    this.paws = fecPaws(dataShards + parityShards);
    this.codec = sharedReedSolomon(dataShards, parityShards);
    this.shardSize = KCP_MTU_LIMIT - headerOffset - FEC_HEADER_SIZE;
    this.groups = [new Group(dataShards, this.shardSize)];
    this.emits = new Int32Array(2 * parityShards);
    this.activeParity = parityShards;
    this.stagger = interleaveStagger(dataShards, parityShards);
  }

  /**
   * A fresh encoder taking over from one of another shape whose seqids ran up to `seqid` (its nextSeqid,
   * past every seqid it used): the first group starts at the next multiple of this shape's group size, so
   * each shard is in its place for a decoder of this shape (KcpSession.followFecShape).
   */
  startAfter(seqid: number): void {
    const size = this.dataShards + this.parityShards;
    const base = Math.ceil(seqid / size) * size;
    this.nextSeqid = base < this.paws ? base : 0;
  }

  /** Parity datagrams sent per group from the next group on, clamped to [0, parityShards]. */
  get parityCount(): number {
    return this.activeParity;
  }
  set parityCount(k: number) {
    this.activeParity = Math.max(0, Math.min(this.parityShards, Math.floor(k)));
  }

  /**
   * Data shards the group being filled has so far (0: none is, the next packet opens a group). Only
   * without interleaving, where one group at a time takes data.
   */
  get openDataShards(): number {
    const group = this.groups[this.last];
    return group.open && group.dataCount < this.dataShards ? group.dataCount : 0;
  }

  /** The longest datagram (before the trailer) of the group being filled so far; 0 when none is (openDataShards). */
  get openGroupLength(): number {
    const group = this.groups[this.last];
    return group.open && group.dataCount < this.dataShards ? group.maxPacketLength : 0;
  }

  /**
   * Whether new groups open interleaved with the open one (see the file's comment); ignored for shapes
   * that cannot interleave. Set between encodes, never between an encode and its writeParity calls.
   */
  get interleave(): boolean {
    return this.interleaving;
  }
  set interleave(on: boolean) {
    if (this.stagger === 0) return;
    if (on && this.groups.length === 1) {
      // a group's parity may now be sent after other encodes: groups keep their own copy of it
      const second = new Group(this.dataShards, this.shardSize);
      second.keepParity(this.parityShards, this.shardSize);
      this.groups[0].keepParity(this.parityShards, this.shardSize);
      this.groups.push(second);
    }
    this.interleaving = on;
  }

  /**
   * pkt[H, H+8) is reserved for the data header and the KCP bytes are pkt[H+8, end). Writes the header,
   * keeps a copy of the shard (the caller may encrypt pkt in place afterwards), and returns the number of
   * parity datagrams to send after it, for `writeParity`: a completed group's without interleaving,
   * the other open group's next one (or all of it, see the file's comment) with it. Every group gets its
   * parity, as in kcp-go v5.6.1 (the latest kcp-go may skip it after a 500 ms gap; decoders take both).
   */
  encode(pkt: Buffer, end: number): number {
    const h = this.headerOffset;
    const shardStart = h + FEC_HEADER_SIZE;
    const shardLength = end - shardStart;
    if (!(end >= h + FEC_HEADER_SIZE_PLUS2 && end <= pkt.length && end <= KCP_MTU_LIMIT)) {
      throw new RangeError(`fec: packet end ${end} outside [${h + FEC_HEADER_SIZE_PLUS2}, ${KCP_MTU_LIMIT}]`);
    }
    this.emitCount = 0;
    const index = this.pickGroup();
    const group = this.groups[index];
    this.last = index;
    const position = group.dataCount++;
    pkt.writeUInt32LE((group.base + position) % this.paws, h);
    pkt.writeUInt16LE(FEC_TYPE_DATA, h + 4);
    pkt.writeUInt16LE(shardLength, shardStart);
    group.shards[position].set(datagramViews.view(pkt, shardStart, end));
    group.shardLengths[position] = shardLength;
    if (end > group.maxPacketLength) group.maxPacketLength = end;

    if (group.dataCount === this.dataShards) this.complete(group);
    if (this.groups.length === 1) {
      if (group.inParity) this.emit(0, group.parityCount);
      return this.emitCount;
    }
    const otherIndex = 1 - index;
    const other = this.groups[otherIndex];
    if (group.inParity && !other.open) {
      this.emit(index, group.parityCount); // nothing to interleave with
    } else if (other.inParity) {
      // one of the other group's parity per data packet; all of it before this group's dataShards-th shard
      this.emit(otherIndex, group.dataCount === this.dataShards - 1 ? other.parityCount : 1);
    }
    return this.emitCount;
  }

  /**
   * The parity the open groups still owe, for `writeParity`, e.g. when the sender has nothing more to send
   * for now: with interleaving, a group's parity otherwise waits for the other group's next data packets.
   */
  drain(): number {
    this.emitCount = 0;
    for (let i = 0; i < this.groups.length; i++) {
      const group = this.groups[i];
      if (group.inParity) this.emit(i, group.parityCount);
    }
    return this.emitCount;
  }

  /** The open group the next data packet joins: alternating between two, opening one when due. */
  private pickGroup(): number {
    const groups = this.groups;
    if (groups.length === 1) {
      if (!groups[0].open) this.openGroup(groups[0]);
      return 0;
    }
    const last = this.last;
    const other = 1 - last;
    const current = groups[last];
    const next = groups[other];
    if (next.open && next.dataCount < this.dataShards) return other;
    if (current.open && current.dataCount < this.dataShards) {
      if (next.open || !(this.interleaving && current.dataCount >= this.stagger)) return last;
      this.interleavedGroups++;
    } else if (next.open) {
      // both groups owe parity, which the stagger rules out: the older one's goes out now, in full
      this.emit(other, next.parityCount);
    }
    this.openGroup(next);
    return other;
  }

  private openGroup(group: Group): void {
    group.open = true;
    group.base = this.nextSeqid;
    group.dataCount = 0;
    group.maxPacketLength = 0;
    group.parityCount = 0;
    group.paritySent = 0;
    this.nextSeqid = (this.nextSeqid + this.dataShards + this.parityShards) % this.paws;
  }

  /** The group's data is complete: its parity, at the count in force now (none: the group is done). */
  private complete(group: Group): void {
    const groupLength = group.maxPacketLength;
    group.parityCount = this.activeParity;
    group.paritySent = 0;
    if (group.parityCount === 0) {
      group.open = false; // the group keeps its shape: its parity seqids are consumed, none is sent
      return;
    }
    const shardStart = this.headerOffset + FEC_HEADER_SIZE;
    const length = groupLength - shardStart;
    const rows = this.codec.shards;
    for (let i = 0; i < this.dataShards; i++) {
      // the whole stash row (no longer than a codec row): Buffer#copy of a part makes a view per call
      rows[i].set(group.shards[i]);
      rows[i].fill(0, group.shardLengths[i], length);
    }
    this.codec.encode(length);
    group.parityLength = groupLength;
    this.parityLength = groupLength;
    for (let k = 0; k < group.parityRows.length; k++) {
      group.parityRows[k].set(datagramViews.view(rows[this.dataShards + k], 0, length));
    }
  }

  /** Queue up to `count` more of group `index`'s parity for writeParity; the group closes with its last. */
  private emit(index: number, count: number): void {
    const group = this.groups[index];
    const end = Math.min(group.parityCount, group.paritySent + count);
    for (; group.paritySent < end; group.paritySent++) {
      const j = this.descendingParity ? group.parityCount - 1 - group.paritySent : group.paritySent;
      this.emits[this.emitCount++] = index * 256 + j;
      this.parityEmitted++;
    }
    if (group.paritySent === group.parityCount) group.open = false;
  }

  /**
   * Parity datagram k (0 <= k < what encode or drain just returned) built straight into `out` (a send slot:
   * no buffer of its own, no second copy): out[0, H) zeroed for the crypt header, the parity header, the
   * parity bytes, and `trailerSize` zero bytes for the crypt trailer. Returns the datagram's length before
   * the trailer. Without interleaving the bytes come from the shared codec's rows, so this must run in the
   * same synchronous call as the encode that completed the group, before any other session's FEC work.
   */
  writeParity(k: number, out: Buffer): number {
    const entry = this.emits[k];
    const group = this.groups[entry >> 8];
    const j = entry & 0xff;
    const h = this.headerOffset;
    const shardStart = h + FEC_HEADER_SIZE;
    const groupLength = group.parityLength;
    const source = group.parityRows.length > 0 ? group.parityRows[j] : this.codec.shards[this.dataShards + j];
    out.fill(0, 0, h);
    out.writeUInt32LE((group.base + this.dataShards + j) % this.paws, h);
    out.writeUInt16LE(FEC_TYPE_PARITY, h + 4);
    out.set(datagramViews.view(source, 0, groupLength - shardStart), shardStart);
    out.fill(0, groupLength, groupLength + this.trailerSize);
    return groupLength;
  }
}
