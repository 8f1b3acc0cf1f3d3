/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), as used by the snappy framing format.
 * Slice-by-8: eight 256-entry tables let the loop consume 8 bytes per iteration with independent lookups.
 */

const CASTAGNOLI_REFLECTED = 0x82f63b78;
const SLICES = 8;
const TABLE_SIZE = 256;

/** The mask added by the snappy framing format so that CRCs of data containing CRCs stay well distributed. */
const SNAPPY_MASK_DELTA = 0xa282ead8;

function makeTables(): Int32Array {
  const tables = new Int32Array(SLICES * TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_REFLECTED : c >>> 1;
    }
    tables[i] = c;
  }
  // tables[k*256 + i] is the CRC of byte i followed by k zero bytes.
  for (let i = 0; i < TABLE_SIZE; i++) {
    let c = tables[i];
    for (let k = 1; k < SLICES; k++) {
      c = tables[c & 0xff] ^ (c >>> 8);
      tables[k * TABLE_SIZE + i] = c;
    }
  }
  return tables;
}

const TABLES = makeTables();

/**
 * CRC-32C of `data[start, end)`, continuing from `crc` (0 for a fresh checksum). Returns an unsigned 32-bit value.
 */
export function crc32c(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const lo = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    c =
      t[0x700 + (lo & 0xff)] ^
      t[0x600 + ((lo >>> 8) & 0xff)] ^
      t[0x500 + ((lo >>> 16) & 0xff)] ^
      t[0x400 + (lo >>> 24)] ^
      t[0x300 + data[i + 4]] ^
      t[0x200 + data[i + 5]] ^
      t[0x100 + data[i + 6]] ^
      t[data[i + 7]];
    i += 8;
  }
  while (i < end) {
    c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}

/** The snappy framing checksum mask: rotate right by 15 and add a constant, mod 2^32. */
export function maskChecksum(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + SNAPPY_MASK_DELTA) >>> 0;
}

/** Masked CRC-32C of `data[start, end)`, the value stored in every snappy framing data chunk. */
export function maskedCrc32c(data: Uint8Array, start = 0, end = data.length): number {
  return maskChecksum(crc32c(data, start, end));
}
