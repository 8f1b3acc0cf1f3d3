/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), as used by the snappy framing format.
 *
 * Two implementations with the same results. The portable one is slice-by-8 in JS: eight 256-entry tables let
 * the loop consume 8 bytes per iteration with independent lookups. Where the runtime has WebAssembly, a
 * hand-assembled slice-by-16 module (below) does the work on a copy of the input in its own memory: 1.5-1.7x
 * the JS loop's bytes per ns on 1-64 KiB. With Go's client, whose snappy stream every echoed byte crosses
 * twice (checked on the way in, framed on the way out), this checksum was the server's heaviest JS function,
 * 8.6 % of its busy samples over 1000 sessions (docs/bench-tunnel-sessions-2026-12-06-sessions30.md); Go
 * computes it with the CPU's CRC32 instruction.
 */
import { ascii, MODULE_HEADER, section, sleb, uleb } from '../wasm/assemble.js';
import { wasmAllowed } from '../wasm/deferral.js';

const CASTAGNOLI_REFLECTED = 0x82f63b78;
const SLICES = 8;
const TABLE_SIZE = 256;

/** The mask added by the snappy framing format so that CRCs of data containing CRCs stay well distributed. */
const SNAPPY_MASK_DELTA = 0xa282ead8;

/** `slices` tables of 256 entries: tables[k*256 + i] is the CRC of byte i followed by k zero bytes. */
function makeTables(slices: number): Int32Array {
  const tables = new Int32Array(slices * TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_REFLECTED : c >>> 1;
    }
    tables[i] = c;
  }
  for (let i = 0; i < TABLE_SIZE; i++) {
    let c = tables[i];
    for (let k = 1; k < slices; k++) {
      c = tables[c & 0xff] ^ (c >>> 8);
      tables[k * TABLE_SIZE + i] = c;
    }
  }
  return tables;
}

const TABLES = makeTables(SLICES);

/** The portable CRC-32C (slice-by-8 in JS); see crc32c. */
export function crc32cPortable(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
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

// The WebAssembly module: one function, (func $crc (param $c i32) (param $p i32) (param $n i32) (result i32)),
// the inverted CRC `c` continued over memory[p, p + n): slice-by-16 over the 16 tables at memory[0, 16 KiB)
// (table k at byte k * 1024), then a byte at a time. Little-endian loads, as WebAssembly's always are.
const WASM_SLICES = 16;
const WASM_TABLE_BYTES = WASM_SLICES * TABLE_SIZE * 4;
/** Bytes copied in per call: snappy's chunks hold at most 64 KiB, so one call each. */
const WASM_WINDOW_BYTES = 65536;
const WASM_PAGE = 65536;

const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_AND = 0x71;
const I32_XOR = 0x73;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const I32_GE_U = 0x4f;
const I32_LOAD = 0x28; // followed by alignment (2^2) and offset
const I32_LOAD8_U = 0x2d; // followed by alignment (2^0) and offset
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;
const I32 = 0x7f;

const P_C = 0;
const P_P = 1;
const P_N = 2;
// (local $end16 i32) (local $end i32) (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
const L_END16 = 3;
const L_END = 4;
const L_W = [5, 6, 7, 8];

/** A table index as a byte offset: ((w >>> shift) & 0xff) << 2 as one shift and a mask. */
const INDEX_MASK = sleb(0xff << 2);

/** table[k][byte b of local w] */
function lookUp(k: number, w: number, b: number): number[] {
  const index =
    b === 0
      ? [LOCAL_GET, w, I32_CONST, 2, I32_SHL, I32_CONST, ...INDEX_MASK, I32_AND]
      : [LOCAL_GET, w, I32_CONST, 8 * b - 2, I32_SHR_U, I32_CONST, ...INDEX_MASK, I32_AND];
  return [...index, I32_LOAD, 2, ...uleb(k * TABLE_SIZE * 4)];
}

/** c = table[15][w0 b0] ^ table[14][w0 b1] ^ ... ^ table[0][w3 b3], w0 already XORed with c. */
function sliceBy16(): number[] {
  const out: number[] = [];
  for (let j = 0; j < 16; j++) {
    out.push(...lookUp(15 - j, L_W[j >>> 2], j & 3));
    if (j > 0) out.push(I32_XOR);
  }
  return out;
}

const CRC_BODY = [
  ...[1, 6, I32], // local declarations
  ...[LOCAL_GET, P_P, LOCAL_GET, P_N, I32_ADD, LOCAL_SET, L_END], // end = p + n
  ...[LOCAL_GET, P_P, LOCAL_GET, P_N, I32_CONST, ...sleb(-16), I32_AND, I32_ADD, LOCAL_SET, L_END16],
  ...[BLOCK, VOID, LOOP, VOID], // while p < end16
  ...[LOCAL_GET, P_P, LOCAL_GET, L_END16, I32_GE_U, BR_IF, 1],
  ...[LOCAL_GET, P_C, LOCAL_GET, P_P, I32_LOAD, 2, 0, I32_XOR, LOCAL_SET, L_W[0]], // w0 = c ^ load(p)
  ...[LOCAL_GET, P_P, I32_LOAD, 2, 4, LOCAL_SET, L_W[1]], // w1 = load(p + 4)
  ...[LOCAL_GET, P_P, I32_LOAD, 2, 8, LOCAL_SET, L_W[2]],
  ...[LOCAL_GET, P_P, I32_LOAD, 2, 12, LOCAL_SET, L_W[3]],
  ...sliceBy16(),
  ...[LOCAL_SET, P_C],
  ...[LOCAL_GET, P_P, I32_CONST, 16, I32_ADD, LOCAL_SET, P_P], // p += 16
  ...[BR, 0, END, END],
  ...[BLOCK, VOID, LOOP, VOID], // while p < end
  ...[LOCAL_GET, P_P, LOCAL_GET, L_END, I32_GE_U, BR_IF, 1],
  // c = table[0][(c ^ load8(p)) & 0xff] ^ (c >>> 8)
  ...[LOCAL_GET, P_C, LOCAL_GET, P_P, I32_LOAD8_U, 0, 0, I32_XOR, I32_CONST, 2, I32_SHL],
  ...[I32_CONST, ...INDEX_MASK, I32_AND, I32_LOAD, 2, 0],
  ...[LOCAL_GET, P_C, I32_CONST, 8, I32_SHR_U, I32_XOR, LOCAL_SET, P_C],
  ...[LOCAL_GET, P_P, I32_CONST, 1, I32_ADD, LOCAL_SET, P_P], // p += 1
  ...[BR, 0, END, END],
  ...[LOCAL_GET, P_C],
  END,
];

const MODULE_BYTES = new Uint8Array([
  ...MODULE_HEADER,
  ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]), // type 0: (i32 x3) -> i32
  ...section(2, [1, ...ascii('env'), ...ascii('m'), 0x02, 0x00, 1]), // import memory env.m, min 1 page
  ...section(3, [1, 0]), // func 0 has type 0
  ...section(7, [1, ...ascii('crc'), 0x00, 0]), // export func 0 as "crc"
  ...section(10, [1, ...uleb(CRC_BODY.length), ...CRC_BODY]),
]);

type CrcExport = (c: number, p: number, n: number) => number;

/** The module's one instance: its function and its memory (tables, then the window inputs are copied to). */
class WasmCrc32c {
  private readonly crc: CrcExport;
  private readonly memory: Uint8Array;

  constructor() {
    const wasmMemory = new WebAssembly.Memory({
      initial: Math.ceil((WASM_TABLE_BYTES + WASM_WINDOW_BYTES) / WASM_PAGE),
    });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE_BYTES), {
      env: { m: wasmMemory },
    });
    this.crc = instance.exports.crc as CrcExport;
    new Int32Array(wasmMemory.buffer, 0, WASM_SLICES * TABLE_SIZE).set(makeTables(WASM_SLICES));
    this.memory = new Uint8Array(wasmMemory.buffer);
  }

  checksum(data: Uint8Array, start: number, end: number, crc: number): number {
    let c = ~crc;
    while (start < end) {
      const n = Math.min(WASM_WINDOW_BYTES, end - start);
      // the whole input (snappy's every call) is copied without a view of it
      this.memory.set(n === data.length ? data : data.subarray(start, start + n), WASM_TABLE_BYTES);
      c = this.crc(c, WASM_TABLE_BYTES, n);
      start += n;
    }
    return ~c >>> 0;
  }
}

let wasmCrc: WasmCrc32c | null | undefined;

/**
 * The WebAssembly implementation, made on first use; null where the runtime cannot run it, and (nothing
 * remembered) while WebAssembly is deferred (src/wasm/deferral.ts): the portable loop until then.
 */
function wasmImplementation(): WasmCrc32c | null {
  if (wasmCrc === undefined) {
    if (!wasmAllowed()) return null;
    try {
      wasmCrc = new WasmCrc32c();
    } catch {
      wasmCrc = null;
    }
  }
  return wasmCrc;
}

/** Whether crc32c runs the WebAssembly module (else the portable loop). */
export function crc32cUsesWasm(): boolean {
  return wasmImplementation() !== null;
}

/**
 * CRC-32C of `data[start, end)`, continuing from `crc` (0 for a fresh checksum). Returns an unsigned 32-bit value.
 */
export function crc32c(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  const wasm = wasmCrc === undefined ? wasmImplementation() : wasmCrc;
  return wasm === null ? crc32cPortable(data, start, end, crc) : wasm.checksum(data, start, end, crc);
}

/** The snappy framing checksum mask: rotate right by 15 and add a constant, mod 2^32. */
export function maskChecksum(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + SNAPPY_MASK_DELTA) >>> 0;
}

/** Masked CRC-32C of `data[start, end)`, the value stored in every snappy framing data chunk. */
export function maskedCrc32c(data: Uint8Array, start = 0, end = data.length): number {
  return maskChecksum(crc32c(data, start, end));
}
