import type { FecEncoder } from '../../src/fec/encoder.js';

/**
 * The `count` parity datagrams of the group `enc.encode` just completed (count = what it returned), each
 * in a buffer of its own of parityLength + trailerSize bytes, as a session sends them.
 */
export function parityDatagrams(enc: FecEncoder, count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const datagram = Buffer.alloc(enc.parityLength + enc.trailerSize);
    enc.writeParity(k, datagram);
    out.push(datagram);
  }
  return out;
}
