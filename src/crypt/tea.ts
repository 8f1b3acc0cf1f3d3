import type { BlockFunction } from './cfb.js';

/** TEA's key schedule constant (2^32 / golden ratio). */
const DELTA = 0x9e3779b9;
/** The standard TEA strength: 64 Feistel rounds, i.e. 32 cycles of two rounds each. */
export const TEA_STANDARD_ROUNDS = 64;
/** kcp-go builds TEA with `tea.NewCipherWithRounds(key, 16)`: only 8 cycles (docs/protocol.md §2.3). */
export const KCP_TEA_ROUNDS = 16;
const KEY_SIZE = 16;

/**
 * TEA (Wheeler & Needham) with a configurable number of Feistel rounds, counted the way Go's
 * x/crypto/tea counts them: `rounds` half-cycles, so the loop runs rounds / 2 times. Big-endian words.
 */
export class Tea implements BlockFunction {
  readonly blockSize = 8;
  /** Key words k0..k3. Typed arrays rather than number fields keep the hot loop on int32 arithmetic. */
  private readonly key = new Int32Array(4);
  /** The running sum of each cycle: delta, 2·delta, … */
  private readonly sums: Int32Array;

  constructor(key: Buffer, rounds: number = TEA_STANDARD_ROUNDS) {
    if (key.length !== KEY_SIZE) throw new Error(`key must be ${KEY_SIZE} bytes for TEA, got ${key.length}`);
    if (!Number.isInteger(rounds) || rounds <= 0 || rounds % 2 !== 0) {
      throw new Error(`rounds must be a positive even integer for TEA, got ${rounds}`);
    }
    for (let i = 0; i < 4; i++) this.key[i] = key.readInt32BE(4 * i);
    this.sums = new Int32Array(rounds / 2);
    for (let i = 0; i < this.sums.length; i++) this.sums[i] = (i + 1) * DELTA;
  }

  encryptBlock(words: Int32Array): void {
    const { key, sums } = this;
    const k0 = key[0];
    const k1 = key[1];
    const k2 = key[2];
    const k3 = key[3];
    let v0 = words[0];
    let v1 = words[1];
    for (let i = 0; i < sums.length; i++) {
      const sum = sums[i];
      v0 = (v0 + ((((v1 << 4) + k0) ^ (v1 + sum) ^ ((v1 >>> 5) + k1)) | 0)) | 0;
      v1 = (v1 + ((((v0 << 4) + k2) ^ (v0 + sum) ^ ((v0 >>> 5) + k3)) | 0)) | 0;
    }
    words[0] = v0;
    words[1] = v1;
  }
}
