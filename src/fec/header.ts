/** FEC packet header layout and constants shared by kcp-go versions (docs/protocol.md §3.1). */
import { MAX_TOTAL_SHARDS } from './reed-solomon.js';

/** seqid (u32 LE) + type (u16 LE). */
export const FEC_HEADER_SIZE = 6;
/** Data shards add the size field (u16 LE, counts itself plus the KCP bytes). */
export const FEC_HEADER_SIZE_PLUS2 = 8;
export const FEC_TYPE_DATA = 0xf1;
export const FEC_TYPE_PARITY = 0xf2;
/** Out-of-band packet of kcp-go >= v5.6.60; not FEC-protected, ignored by this decoder. */
export const FEC_TYPE_OOB = 0xf3;

/** The u16 LE type field of a FEC packet starting at offset; a bare KCP packet has its cmd/frg there. */
export function fecType(buf: Uint8Array, offset: number): number {
  return buf[offset + 4] | (buf[offset + 5] << 8);
}

/** True for the types the transport routes to the FEC decoder (docs/protocol.md §1.3 step 4, both versions). */
export function isFecShard(type: number): boolean {
  return type === FEC_TYPE_DATA || type === FEC_TYPE_PARITY;
}

/** kcp-go sends a FEC header only under this condition; otherwise KCP follows the crypt header directly. */
export function fecEnabled(dataShards: number, parityShards: number): boolean {
  return dataShards > 0 && parityShards > 0 && dataShards + parityShards <= MAX_TOTAL_SHARDS;
}

/**
 * Seqids wrap to 0 at this multiple of the group size, so seqid mod (ds+ps) keeps giving the position in
 * the group across the wrap (4294967287 for 10+3).
 */
export function fecPaws(totalShards: number): number {
  return Math.floor(0xffffffff / totalShards) * totalShards;
}
