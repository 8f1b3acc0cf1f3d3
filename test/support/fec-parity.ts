import type { FecEncoder } from '../../src/fec/encoder.js';
import { KCP_MTU_LIMIT } from '../../src/kcp/constants.js';

/**
 * The `count` parity datagrams `enc.encode` or `enc.drain` just gave (count = what it returned), each in a
 * buffer of its own as long as writeParity says plus trailerSize bytes, as a session sends them.
 */
export function parityDatagrams(enc: FecEncoder, count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const slot = Buffer.alloc(KCP_MTU_LIMIT + enc.trailerSize);
    const length = enc.writeParity(k, slot);
    out.push(slot.subarray(0, length + enc.trailerSize));
  }
  return out;
}
