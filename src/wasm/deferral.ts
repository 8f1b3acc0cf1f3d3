/**
 * Whether this thread may compile WebAssembly now: yes, unless a program has deferred it. The programs defer
 * it from start until the tunnel's first application stream (run-main.ts), as they hold back V8's
 * optimizing compiler (src/cli/heap-tuning.ts): the first module compiled brings about 0.9 MiB of the node
 * binary's WebAssembly decoder and compiler into memory, and an idle session (keepalives, a few FEC groups
 * a minute) needs neither kernel's speed. Until then the FEC kernel (src/fec/kernel-simd.ts) and CRC-32C
 * (src/compress/crc32c.ts) take their JavaScript paths, with the same results; their first call after
 * allowWasm() compiles. An idle client and server 1.0-1.2 MiB lower
 * (docs/bench-tunnel-memory-2026-12-07-mem36.md). The library never defers: an application's sessions
 * compile at once, as before.
 */

let deferred = false;

/** Hold WebAssembly compilation back in this thread until allowWasm(). */
export function deferWasm(): void {
  deferred = true;
}

/** From now on WebAssembly may be compiled (the kernels switch at their next call). */
export function allowWasm(): void {
  deferred = false;
}

export function wasmAllowed(): boolean {
  return !deferred;
}
