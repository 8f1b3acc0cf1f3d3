/**
 * Pieces of a WebAssembly module's binary form, for the few small modules assembled by hand here (the FEC
 * kernel, src/fec/kernel-simd.ts; CRC-32C, src/compress/crc32c.ts), so nothing is compiled at install
 * time.
 */

/** The binary form's magic ("\0asm") and version 1. */
export const MODULE_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A section: its id, then its content's length (LEB128) and the content. */
export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? low : low | 0x80);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const's operand). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const low = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (low & 0x40) === 0) || (n === -1 && (low & 0x40) !== 0)) {
      out.push(low);
      return out;
    }
    out.push(low | 0x80);
  }
}

/** A name: its length, then its bytes (ASCII only). */
export function ascii(s: string): number[] {
  return [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
}
