/**
 * Picks the Reed-Solomon bulk kernel: WebAssembly SIMD (16 bytes per step) when the runtime supports it,
 * else the portable 32-bit table kernel.
 */

import { wasmAllowed } from '../wasm/deferral.js';
import type { GfKernel } from './gf-kernel.js';
import { JsKernel } from './kernel-js.js';
import { SimdKernel, simdSupported } from './kernel-simd.js';

export type KernelChoice = 'auto' | 'js';

/**
 * A kernel whose memory holds at least byteLength bytes. While WebAssembly is deferred (src/wasm/deferral.ts)
 * SIMD is assumed, unchecked (checking compiles): a runtime without it runs that kernel's portable loop.
 */
export function createKernel(byteLength: number, choice: KernelChoice = 'auto'): GfKernel {
  if (choice === 'auto' && (!wasmAllowed() || simdSupported())) return new SimdKernel(byteLength);
  return new JsKernel(byteLength);
}
