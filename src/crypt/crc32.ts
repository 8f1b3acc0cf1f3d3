import zlib from 'node:zlib';

/** Reflected CRC-32/IEEE polynomial (the one Go's `crc32.ChecksumIEEE` and zlib use). */
const IEEE_POLYNOMIAL = 0xedb88320;

let table: Int32Array | undefined;

function ieeeTable(): Int32Array {
  if (table === undefined) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? IEEE_POLYNOMIAL ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  return table;
}

/** Table-driven CRC32-IEEE of buf[start, end); used when the running Node lacks `zlib.crc32`. */
export function crc32Portable(buf: Uint8Array, start: number, end: number): number {
  const t = ieeeTable();
  let c = -1;
  for (let i = start; i < end; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;

// zlib.crc32 exists from Node 20.15/22.2; older runtimes take the portable path.
const nativeCrc32: NativeCrc32 | undefined = (zlib as { crc32?: NativeCrc32 }).crc32;

/** CRC32-IEEE (unsigned) of buf[start, end). */
export const crc32: (buf: Buffer, start: number, end: number) => number =
  nativeCrc32 === undefined ? crc32Portable : (buf, start, end) => nativeCrc32(buf.subarray(start, end));

/** True when `crc32` runs natively in zlib. */
export const crc32IsNative = nativeCrc32 !== undefined;
