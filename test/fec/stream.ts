/** Builds FEC streams with the real encoder for the decoder tests. */
import { FecEncoder } from '../../src/fec/encoder.js';
import { FEC_HEADER_SIZE_PLUS2 } from '../../src/fec/header.js';
import { parityDatagrams } from '../support/fec-parity.js';
import type { Rng } from './random.js';

export interface StreamPacket {
  /** The datagram: crypt header room [0, headerOffset), then the FEC packet. */
  datagram: Buffer;
  seqid: number;
  isData: boolean;
  /** Data shards: the KCP bytes; parity: empty. */
  kcp: Buffer;
}

/** `count` data packets with unique random KCP payloads of 1..maxKcp bytes, plus parity, in send order. */
export function makeStream(
  rng: Rng,
  dataShards: number,
  parityShards: number,
  count: number,
  options: { headerOffset?: number; maxKcp?: number; firstSeqid?: number } = {},
): StreamPacket[] {
  const h = options.headerOffset ?? 0;
  const maxKcp = options.maxKcp ?? 1300;
  const enc = new FecEncoder(dataShards, parityShards, h);
  enc.nextSeqid = options.firstSeqid ?? 0;
  const out: StreamPacket[] = [];
  for (let i = 0; i < count; i++) {
    const kcp = Buffer.alloc(4 + rng.below(maxKcp - 3));
    rng.fill(kcp);
    kcp.writeUInt32LE(i, 0); // makes every payload unique
    const datagram = Buffer.alloc(h + FEC_HEADER_SIZE_PLUS2 + kcp.length);
    kcp.copy(datagram, h + FEC_HEADER_SIZE_PLUS2);
    const n = enc.encode(datagram, datagram.length);
    out.push({ datagram, seqid: datagram.readUInt32LE(h), isData: true, kcp });
    for (const p of parityDatagrams(enc, n)) {
      out.push({ datagram: p, seqid: p.readUInt32LE(h), isData: false, kcp: Buffer.alloc(0) });
    }
  }
  return out;
}
