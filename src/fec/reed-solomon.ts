/**
 * Reed-Solomon erasure code identical to klauspost/reedsolomon's default (docs/protocol.md §3.3): encoding matrix
 * V x (top square of V)^-1 with V[r][c] = r^c over GF(2^8)/0x11D, so parity is byte-for-byte Go's.
 *
 * The codec owns its shard rows (`shards`, one Buffer per shard over kernel memory) so callers write input
 * bytes straight into them and read results from them: no copies or allocations around the kernel.
 * Codecs are shared (`sharedReedSolomon`): a user fills the rows, runs the code and reads the result within
 * one synchronous call and keeps nothing in the rows between calls.
 */
import { KCP_MTU_LIMIT } from '../kcp/constants.js';
import { type GfKernel, roundUpToAlign } from './gf-kernel.js';
import { createKernel, type KernelChoice } from './kernel.js';
import { invert, type Matrix, multiply, vandermonde } from './matrix.js';

/**
 * Data + parity shards per group: klauspost/reedsolomon's limit for its GF(2^8) code (`New` refuses more
 * with ErrMaxShardNum; 256 rows of the Vandermonde matrix are the 256 distinct field elements). Past it
 * kcp-go v5.6.1 silently runs without FEC and the latest kcp-go's encoder switches to an incompatible
 * GF(2^16) code, so it is refused everywhere. The one home of this rule: the session options and the CLI
 * flags check it through this constant.
 */
export const MAX_TOTAL_SHARDS = 256;
/** Decode matrices kept per codec, one per loss pattern; the oldest is evicted beyond this. */
export const DECODE_CACHE_LIMIT = 256;
/** Above this many shards a loss pattern no longer fits an exact integer bitmask, so keys become strings. */
const MAX_BITMASK_SHARDS = 52;

export interface ReedSolomonOptions {
  /** Bytes per shard row (default KCP_MTU_LIMIT, the longest datagram kcp-go reads). */
  maxShardSize?: number;
  /** Kernel selection; 'js' forces the portable kernel (tests compare both). */
  kernel?: KernelChoice;
}

/** The systematic encoding matrix: identity on top, parity rows below. */
export function buildEncodingMatrix(dataShards: number, totalShards: number): Matrix {
  const v = vandermonde(totalShards, dataShards);
  const topInverse = invert(v.slice(0, dataShards));
  if (topInverse === null) throw new Error('reedsolomon: singular Vandermonde top square');
  return multiply(v, topInverse);
}

export class ReedSolomon {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly totalShards: number;
  readonly maxShardSize: number;
  /** Shard i is rows[i]: data for i < dataShards, parity after. Each is maxShardSize bytes long. */
  readonly shards: Buffer[];
  /** Parity rows of the encoding matrix (row k is parity shard dataShards+k). */
  readonly parityMatrix: Matrix;
  private readonly matrix: Matrix;
  private readonly kernel: GfKernel;
  private readonly rowOffsets: Int32Array;
  private readonly decodeCache = new Map<number | string, Matrix>();
  private readonly validRows: Int32Array;

  constructor(dataShards: number, parityShards: number, options: ReedSolomonOptions = {}) {
    if (!Number.isInteger(dataShards) || dataShards < 1) {
      throw new Error(`reedsolomon: dataShards ${dataShards}`);
    }
    if (!Number.isInteger(parityShards) || parityShards < 1) {
      throw new Error(`reedsolomon: parityShards ${parityShards}`);
    }
    if (dataShards + parityShards > MAX_TOTAL_SHARDS) {
      throw new Error(
        `reedsolomon: dataShards + parityShards ${dataShards + parityShards} > ${MAX_TOTAL_SHARDS}`,
      );
    }
    const maxShardSize = options.maxShardSize ?? KCP_MTU_LIMIT;
    if (!Number.isInteger(maxShardSize) || maxShardSize < 1) {
      throw new Error(`reedsolomon: maxShardSize ${maxShardSize}`);
    }
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    this.totalShards = dataShards + parityShards;
    this.maxShardSize = maxShardSize;
    this.matrix = buildEncodingMatrix(dataShards, this.totalShards);
    this.parityMatrix = this.matrix.slice(dataShards);
    const stride = roundUpToAlign(maxShardSize);
    this.kernel = createKernel(stride * this.totalShards, options.kernel);
    const mem = this.kernel.memory;
    this.rowOffsets = new Int32Array(this.totalShards);
    this.shards = [];
    for (let i = 0; i < this.totalShards; i++) {
      this.rowOffsets[i] = i * stride;
      this.shards.push(Buffer.from(mem.buffer, mem.byteOffset + i * stride, maxShardSize));
    }
    this.validRows = new Int32Array(dataShards);
  }

  /** Which bulk kernel this codec runs on. */
  get kernelName(): string {
    return this.kernel.name;
  }

  /** Compute every parity shard from bytes [0, length) of the data shards. */
  encode(length: number): void {
    this.checkLength(length);
    const offsets = this.rowOffsets;
    for (let r = 0; r < this.parityShards; r++) {
      const row = this.parityMatrix[r];
      const dst = offsets[this.dataShards + r];
      for (let j = 0; j < this.dataShards; j++) this.kernel.mul(row[j], offsets[j], dst, length, j > 0);
    }
  }

  /**
   * Recreate the missing data shards in place from bytes [0, length) of the present ones (present[i] != 0;
   * missing rows' contents are ignored). Missing parity is not recreated. Returns false, changing nothing,
   * when fewer than dataShards shards are present.
   */
  reconstructData(present: ArrayLike<number | boolean>, length: number): boolean {
    this.checkLength(length);
    const ds = this.dataShards;
    let dataPresent = 0;
    for (let i = 0; i < ds; i++) if (present[i]) dataPresent++;
    if (dataPresent === ds) return true;

    // Like klauspost: the first dataShards present rows, in index order, form the sub-matrix to invert.
    const valid = this.validRows;
    let found = 0;
    let bitmaskKey = 0;
    for (let i = 0; i < this.totalShards && found < ds; i++) {
      if (present[i]) valid[found++] = i;
      else bitmaskKey += 2 ** i;
    }
    if (found < ds) return false;
    const key = this.totalShards <= MAX_BITMASK_SHARDS ? bitmaskKey : valid.join(',');
    const decodeMatrix = this.decodeMatrix(key);

    const offsets = this.rowOffsets;
    for (let k = 0; k < ds; k++) {
      if (present[k]) continue;
      const row = decodeMatrix[k];
      const dst = offsets[k];
      for (let j = 0; j < ds; j++) this.kernel.mul(row[j], offsets[valid[j]], dst, length, j > 0);
    }
    return true;
  }

  /** Loss patterns cached right now (bounded by DECODE_CACHE_LIMIT). */
  get decodeCacheSize(): number {
    return this.decodeCache.size;
  }

  private decodeMatrix(key: number | string): Matrix {
    const cached = this.decodeCache.get(key);
    if (cached !== undefined) return cached;
    const sub: Matrix = [];
    for (let j = 0; j < this.dataShards; j++) sub.push(this.matrix[this.validRows[j]]);
    // Any square subset of rows of a Vandermonde-derived matrix is invertible.
    const inverse = invert(sub) as Matrix;
    if (this.decodeCache.size >= DECODE_CACHE_LIMIT) {
      const oldest = this.decodeCache.keys().next().value as number | string;
      this.decodeCache.delete(oldest);
    }
    this.decodeCache.set(key, inverse);
    return inverse;
  }

  private checkLength(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.maxShardSize) {
      throw new RangeError(`reedsolomon: length ${length} outside [0, ${this.maxShardSize}]`);
    }
  }
}

/** Codecs kept for sharing, most recently used last. */
const SHARED_CODEC_LIMIT = 32;
const sharedCodecs = new Map<number, ReedSolomon>();

/**
 * A codec for (dataShards, parityShards) shared by every caller in the process, with the default options.
 * Building one costs O(n^3) and a kernel memory, so sessions with the same parameters reuse it.
 */
export function sharedReedSolomon(dataShards: number, parityShards: number): ReedSolomon {
  const key = dataShards * (MAX_TOTAL_SHARDS + 1) + parityShards;
  let codec = sharedCodecs.get(key);
  if (codec === undefined) {
    codec = new ReedSolomon(dataShards, parityShards);
    if (sharedCodecs.size >= SHARED_CODEC_LIMIT) {
      sharedCodecs.delete(sharedCodecs.keys().next().value as number);
    }
  } else {
    sharedCodecs.delete(key);
  }
  sharedCodecs.set(key, codec);
  return codec;
}
