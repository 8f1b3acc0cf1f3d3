/** The bulk operation of Reed-Solomon coding, shared by the kernel implementations. */

/** Row offsets and memory sizes are multiples of this; kernels may process up to the next multiple. */
export const KERNEL_ALIGN = 16;

export function roundUpToAlign(n: number): number {
  return Math.ceil(n / KERNEL_ALIGN) * KERNEL_ALIGN;
}

export interface GfKernel {
  /** Implementation name, for benchmarks and logs. */
  readonly name: string;
  /** The rows live here. Never detached or resized for the life of the kernel. */
  readonly memory: Uint8Array;
  /**
   * memory[dst, dst+length) = coef * memory[src, ...), XORed into dst when accumulate. src and dst are
   * multiples of KERNEL_ALIGN and the regions do not overlap; bytes up to the next multiple past length
   * may be written too.
   */
  mul(coef: number, src: number, dst: number, length: number, accumulate: boolean): void;
}
