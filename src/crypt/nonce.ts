import { randomFillSync } from 'node:crypto';

/** 64 KiB of randomness serves ~4000 CFB nonces per `randomFillSync` call. */
const DEFAULT_POOL_SIZE = 65536;

/**
 * Hands out random nonce bytes from a buffer refilled in bulk, so the per-packet cost is a short copy
 * rather than a call into the CSPRNG. Receivers never check nonces (docs/protocol.md §2.8); they only need to vary.
 */
export class NoncePool {
  private readonly pool: Buffer;
  private position: number;

  constructor(poolSize = DEFAULT_POOL_SIZE) {
    if (!Number.isInteger(poolSize) || poolSize < 16) {
      throw new Error(`poolSize must be an integer >= 16, got ${poolSize}`);
    }
    this.pool = Buffer.allocUnsafeSlow(poolSize);
    this.position = poolSize;
  }

  /** Writes `size` fresh random bytes (size <= pool size) to dst[offset, offset + size). */
  fill(dst: Buffer, offset: number, size: number): void {
    if (this.position + size > this.pool.length) {
      randomFillSync(this.pool);
      this.position = 0;
    }
    // A byte loop: for 16 bytes it costs less than Buffer#copy's call into native code.
    const pool = this.pool;
    const from = this.position;
    for (let i = 0; i < size; i++) dst[offset + i] = pool[from + i];
    this.position = from + size;
  }
}

/** The process-wide pool used by every PacketCrypt. */
export const sharedNoncePool = new NoncePool();
