/**
 * GF(2^8) multiply-accumulate in WebAssembly SIMD, 16 bytes per step: c * x = lo[x & 15] ^ hi[x >> 4]
 * where lo/hi are the 16-entry products of c with the low and high nibbles, looked up with i8x16.swizzle.
 * The module is a few dozen hand-assembled bytes (below, with the text form alongside), so nothing is
 * compiled at install time. Each kernel instance gets its own linear memory: nibble tables first, then rows.
 */
import { ascii, MODULE_HEADER, section, uleb } from '../wasm/assemble.js';
import { wasmAllowed } from '../wasm/deferral.js';
import { GF_MUL_TABLE } from './galois.js';
import { type GfKernel, roundUpToAlign } from './gf-kernel.js';
import { mulWords } from './kernel-js.js';

const WASM_PAGE = 65536;
/** 32 bytes per coefficient: products with 0x00..0x0f, then with 0x00, 0x10, .., 0xf0. */
const NIBBLE_TABLE_BYTES = 256 * 32;

// Opcodes used below.
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_LT_U = 0x49;
const LOOP = 0x03;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;
const I32 = 0x7f;
const V128 = 0x7b;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 4]; // followed by the offset; alignment 2^4
const V128_STORE = [SIMD, 0x0b, 4, 0];
const I8X16_SWIZZLE = [SIMD, 0x0e];
const I8X16_SPLAT = [SIMD, 0x0f];
const V128_AND = [SIMD, 0x4e];
const V128_XOR = [SIMD, 0x51];
const I8X16_SHR_U = [SIMD, 0x6d];

// (func $mul (param $table i32) (param $src i32) (param $dst i32) (param $len i32) (param $acc i32)
const P_TABLE = 0;
const P_SRC = 1;
const P_DST = 2;
const P_LEN = 3;
const P_ACC = 4;
// (local $lo v128) (local $hi v128) (local $mask v128) (local $keep v128) (local $v v128) (local $end i32)
const L_LO = 5;
const L_HI = 6;
const L_MASK = 7;
const L_KEEP = 8;
const L_V = 9;
const L_END = 10;

const MUL_BODY = [
  ...[2, 5, V128, 1, I32], // local declarations
  ...[LOCAL_GET, P_TABLE, ...V128_LOAD, 0, LOCAL_SET, L_LO], // lo = load(table)
  ...[LOCAL_GET, P_TABLE, ...V128_LOAD, 16, LOCAL_SET, L_HI], // hi = load(table + 16)
  ...[I32_CONST, 0x0f, ...I8X16_SPLAT, LOCAL_SET, L_MASK], // mask = splat(0x0f)
  ...[I32_CONST, 0, LOCAL_GET, P_ACC, I32_SUB, ...I8X16_SPLAT, LOCAL_SET, L_KEEP], // keep = splat(-acc)
  ...[LOCAL_GET, P_SRC, LOCAL_GET, P_LEN, I32_ADD, LOCAL_SET, L_END], // end = src + len
  ...[LOOP, VOID],
  ...[LOCAL_GET, P_DST], // store address
  ...[LOCAL_GET, L_HI, LOCAL_GET, P_SRC, ...V128_LOAD, 0, LOCAL_TEE, L_V, I32_CONST, 4, ...I8X16_SHR_U],
  ...I8X16_SWIZZLE, // hi[v >> 4]
  ...[LOCAL_GET, L_LO, LOCAL_GET, L_V, LOCAL_GET, L_MASK, ...V128_AND, ...I8X16_SWIZZLE], // lo[v & 15]
  ...V128_XOR,
  ...[LOCAL_GET, P_DST, ...V128_LOAD, 0, LOCAL_GET, L_KEEP, ...V128_AND, ...V128_XOR], // ^ (dst & keep)
  ...V128_STORE,
  ...[LOCAL_GET, P_DST, I32_CONST, 16, I32_ADD, LOCAL_SET, P_DST], // dst += 16
  ...[LOCAL_GET, P_SRC, I32_CONST, 16, I32_ADD, LOCAL_TEE, P_SRC], // src += 16
  ...[LOCAL_GET, L_END, I32_LT_U, BR_IF, 0], // while src < end
  END,
  END,
];

const MODULE_BYTES = new Uint8Array([
  ...MODULE_HEADER,
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // type 0: (i32 x5) -> ()
  ...section(2, [1, ...ascii('env'), ...ascii('m'), 0x02, 0x00, 1]), // import memory env.m, min 1 page
  ...section(3, [1, 0]), // func 0 has type 0
  ...section(7, [1, ...ascii('mul'), 0x00, 0]), // export func 0 as "mul"
  ...section(10, [1, ...uleb(MUL_BODY.length), ...MUL_BODY]),
]);

let compiled: WebAssembly.Module | null | undefined;

function compiledModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = WebAssembly.validate(MODULE_BYTES) ? new WebAssembly.Module(MODULE_BYTES) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export function simdSupported(): boolean {
  return compiledModule() !== null;
}

const NIBBLE_TABLES = (() => {
  const t = new Uint8Array(NIBBLE_TABLE_BYTES);
  for (let c = 0; c < 256; c++) {
    for (let i = 0; i < 16; i++) {
      t[c * 32 + i] = GF_MUL_TABLE[(c << 8) | i];
      t[c * 32 + 16 + i] = GF_MUL_TABLE[(c << 8) | (i << 4)];
    }
  }
  return t;
})();

type MulExport = (table: number, src: number, dst: number, len: number, acc: number) => void;

export class SimdKernel implements GfKernel {
  readonly memory: Uint8Array;
  private readonly wasmMemory: WebAssembly.Memory;
  /**
   * The module's mul bound to this kernel's memory; null while WebAssembly is deferred (src/wasm/deferral.ts)
   * or where the runtime turned the module down when it came to compiling it: then mulPortable runs.
   */
  private mulExport: MulExport | null = null;
  /** The module could not be compiled (no SIMD): the portable loop for the kernel's life. */
  private unsupported = false;
  /** The rows as 32-bit words for mulPortable, made at its first call. */
  private words: Uint32Array | null = null;

  /**
   * Rows for byteLength bytes. While WebAssembly is deferred the module is not compiled here (nor checked):
   * the first mul after it is allowed compiles it.
   */
  constructor(byteLength: number) {
    const rows = roundUpToAlign(byteLength);
    this.wasmMemory = new WebAssembly.Memory({
      initial: Math.ceil((NIBBLE_TABLE_BYTES + rows) / WASM_PAGE),
    });
    new Uint8Array(this.wasmMemory.buffer).set(NIBBLE_TABLES);
    this.memory = new Uint8Array(this.wasmMemory.buffer, NIBBLE_TABLE_BYTES, rows);
    if (wasmAllowed() && !this.instantiate()) {
      throw new Error('WebAssembly SIMD is not supported by this runtime');
    }
  }

  get name(): string {
    return this.mulExport !== null
      ? 'wasm-simd'
      : this.unsupported
        ? 'wasm-simd (portable)'
        : 'wasm-simd (deferred)';
  }

  /** Compile (once per thread) and instantiate over this kernel's memory; false where it cannot. */
  private instantiate(): boolean {
    const module = compiledModule();
    if (module === null) {
      this.unsupported = true;
      return false;
    }
    const instance = new WebAssembly.Instance(module, { env: { m: this.wasmMemory } });
    this.mulExport = instance.exports.mul as MulExport;
    return true;
  }

  mul(coef: number, src: number, dst: number, length: number, accumulate: boolean): void {
    if (length <= 0 || (coef === 0 && accumulate)) return;
    if (this.mulExport === null && (this.unsupported || !wasmAllowed() || !this.instantiate())) {
      this.mulPortable(coef, src, dst, length, accumulate);
      return;
    }
    this.mulExport!(
      coef * 32,
      NIBBLE_TABLE_BYTES + src,
      NIBBLE_TABLE_BYTES + dst,
      length,
      accumulate ? 1 : 0,
    );
  }

  /** The same product with the portable kernel's word loop, over this kernel's rows. */
  private mulPortable(coef: number, src: number, dst: number, length: number, accumulate: boolean): void {
    if (this.words === null) {
      this.words = new Uint32Array(this.wasmMemory.buffer, NIBBLE_TABLE_BYTES, this.memory.length >>> 2);
    }
    mulWords(this.words, coef, src, dst, length, accumulate);
  }
}
