/**
 * FEC encoder of one session direction (docs/protocol.md §3.2): stamps every outgoing KCP packet as a data shard and,
 * after every dataShards of them, produces parityShards parity datagrams, byte-compatible with kcp-go.
 *
 * Packet layout, H = headerOffset (the crypt header, filled later by the crypt layer):
 *   data:   [0,H) crypt | seqid u32 | 0x00F1 | size u16 = len - (H+6) | KCP bytes
 *   parity: [0,H) crypt | seqid u32 | 0x00F2 | parity bytes up to the longest data packet of the group
 * The RS shards are the bytes from H+6 (size field included), zero-padded to the group's longest packet.
 */
import { KCP_MTU_LIMIT } from '../kcp/constants.js';
import { datagramViews } from '../kcp/view-cache.js';
import { FEC_HEADER_SIZE, FEC_HEADER_SIZE_PLUS2, FEC_TYPE_DATA, FEC_TYPE_PARITY, fecPaws } from './header.js';
import { MAX_TOTAL_SHARDS, type ReedSolomon, sharedReedSolomon } from './reed-solomon.js';

export class FecEncoder {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly headerOffset: number;
  readonly trailerSize: number;
  /** Seqid the next packet gets; starts at 0 like kcp-go (writable so tests can start near the wrap). */
  nextSeqid = 0;
  /** Length of the parity datagrams of the last completed group, before the trailer. */
  parityLength = 0;
  /**
   * Parity datagrams actually sent per group, 0..parityShards (-mode auto's adaptive FEC). The group
   * keeps its (dataShards, parityShards) shape on the wire: seqid still advances by parityShards, the
   * unsent parity simply never arrives. Both kcp-go decoders (v5.6.1 and the latest) follow such a
   * change at once, while changing the shape itself or restarting seqid would stall their autotune.
   */
  private activeParity: number;

  private readonly paws: number;
  private readonly codec: ReedSolomon;
  /** The group's data shards so far, kept here because the codec's rows are shared. */
  private readonly shards: Buffer[];
  private readonly shardLengths: Int32Array;
  /** The seqid of the last completed group's first parity datagram. */
  private paritySeqid = 0;
  private shardCount = 0;
  private maxPacketLength = 0;

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
    const maxShardSize = KCP_MTU_LIMIT - headerOffset - FEC_HEADER_SIZE;
    const storage = Buffer.alloc(maxShardSize * dataShards);
    this.shards = [];
    for (let i = 0; i < dataShards; i++) {
      this.shards.push(storage.subarray(i * maxShardSize, (i + 1) * maxShardSize));
    }
    this.shardLengths = new Int32Array(dataShards);
    this.activeParity = parityShards;
  }

  /** Parity datagrams sent per group from the next group on, clamped to [0, parityShards]. */
  get parityCount(): number {
    return this.activeParity;
  }
  set parityCount(k: number) {
    this.activeParity = Math.max(0, Math.min(this.parityShards, Math.floor(k)));
  }

  /**
   * pkt[H, H+8) is reserved for the data header and the KCP bytes are pkt[H+8, end). Writes the header,
   * keeps a copy of the shard (the caller may encrypt pkt in place afterwards), and returns the number of
   * parity datagrams the group now has for `writeParity` (0 unless this packet completed a group). Every
   * group gets its parity, as in kcp-go v5.6.1 (the latest kcp-go may skip it after a 500 ms gap; decoders
   * take both).
   */
  encode(pkt: Buffer, end: number): number {
    const h = this.headerOffset;
    const shardStart = h + FEC_HEADER_SIZE;
    const shardLength = end - shardStart;
    if (!(end >= h + FEC_HEADER_SIZE_PLUS2 && end <= pkt.length && end <= KCP_MTU_LIMIT)) {
      throw new RangeError(`fec: packet end ${end} outside [${h + FEC_HEADER_SIZE_PLUS2}, ${KCP_MTU_LIMIT}]`);
    }
    pkt.writeUInt32LE(this.nextSeqid, h);
    pkt.writeUInt16LE(FEC_TYPE_DATA, h + 4);
    pkt.writeUInt16LE(shardLength, shardStart);
    this.nextSeqid = (this.nextSeqid + 1) % this.paws;

    const index = this.shardCount++;
    this.shards[index].set(datagramViews.view(pkt, shardStart, end));
    this.shardLengths[index] = shardLength;
    if (end > this.maxPacketLength) this.maxPacketLength = end;

    if (this.shardCount < this.dataShards) return 0;

    const groupLength = this.maxPacketLength;
    this.shardCount = 0;
    this.maxPacketLength = 0;
    if (this.activeParity === 0) {
      // the group keeps its shape: its parity seqids are consumed, none is sent
      this.nextSeqid = (this.nextSeqid + this.parityShards) % this.paws;
      return 0;
    }
    return this.emitParity(groupLength);
  }

  private emitParity(groupLength: number): number {
    const h = this.headerOffset;
    const shardStart = h + FEC_HEADER_SIZE;
    const length = groupLength - shardStart;
    const rows = this.codec.shards;
    for (let i = 0; i < this.dataShards; i++) {
      // the whole stash row (no longer than a codec row): Buffer#copy of a part makes a view per call
      rows[i].set(this.shards[i]);
      rows[i].fill(0, this.shardLengths[i], length);
    }
    this.codec.encode(length);

    const count = this.activeParity;
    this.paritySeqid = this.nextSeqid;
    this.nextSeqid = (this.nextSeqid + this.parityShards) % this.paws;
    this.parityLength = groupLength;
    return count;
  }

  /**
   * Parity datagram k (0 <= k < what encode just returned) of the group just completed, built straight into
   * `out` (a send slot: no buffer of its own, no second copy): out[0, H) zeroed for the crypt header, the
   * parity header, the parity bytes, and `trailerSize` zero bytes for the crypt trailer. Returns
   * parityLength. The bytes come from the shared codec's rows, so this must run in the same synchronous
   * call as the encode that completed the group, before any other session's FEC work.
   */
  writeParity(k: number, out: Buffer): number {
    const h = this.headerOffset;
    const shardStart = h + FEC_HEADER_SIZE;
    const groupLength = this.parityLength;
    out.fill(0, 0, h);
    out.writeUInt32LE((this.paritySeqid + k) % this.paws, h);
    out.writeUInt16LE(FEC_TYPE_PARITY, h + 4);
    out.set(
      datagramViews.view(this.codec.shards[this.dataShards + k], 0, groupLength - shardStart),
      shardStart,
    );
    out.fill(0, groupLength, groupLength + this.trailerSize);
    return groupLength;
  }
}
