import { createHmac, pbkdf2Sync } from 'node:crypto';

/** HMAC message that turns the seed into the pad-selector PRNG key (qpp `PM_SELECTOR_IDENTIFIER`). */
const SELECTOR_MESSAGE = 'PERMUTATION_MATRIX_SELECTOR';
const PRNG_SALT = '___QUANTUM_PERMUTATION_PAD_PRNG_SALT___';
const PRNG_PBKDF2_ITERATIONS = 128;
/** xoshiro256** state: four 64-bit words. */
const STATE_BYTES = 32;

/**
 * Deriving a start state costs about 70 µs, and every stream direction derives it again from the same
 * `-key`, so the last seed's start state is remembered.
 */
let memoSeed: Buffer | null = null;
const memoState = new Uint32Array(8);

function deriveStartState(seed: Uint8Array, state: Uint32Array): void {
  const selector = createHmac('sha256', seed).update(SELECTOR_MESSAGE).digest();
  const words = pbkdf2Sync(selector, PRNG_SALT, PRNG_PBKDF2_ITERATIONS, STATE_BYTES, 'sha1');
  for (let i = 0; i < 8; i++) state[i] = words.readUInt32LE(4 * i);
}

/**
 * qpp's xoshiro256** generator (docs/protocol.md §9.2), seeded from the raw `-key` bytes through HMAC-SHA256 and
 * PBKDF2-SHA1. It runs on every 8 bytes of QPP traffic, so the 64-bit words are kept as uint32 halves
 * (BigInt arithmetic would allocate on every step).
 */
export class QppPrng {
  /** s0..s3 as [lo, hi] uint32 pairs: state[2k] = low half of s_k, state[2k+1] = high half. */
  readonly state = new Uint32Array(8);
  /** Low 32 bits of the last output. */
  lo = 0;
  /** High 32 bits of the last output. */
  hi = 0;

  constructor(seed: Uint8Array) {
    if (memoSeed === null || !memoSeed.equals(seed)) {
      deriveStartState(seed, memoState);
      memoSeed = Buffer.from(seed);
    }
    this.state.set(memoState);
  }

  /** Advance one step; the output is left in `lo` / `hi`. */
  next(): void {
    const s = this.state;
    let s0l = s[0];
    let s0h = s[1];
    let s1l = s[2];
    let s1h = s[3];
    let s2l = s[4];
    let s2h = s[5];
    let s3l = s[6];
    let s3h = s[7];

    // result = rotl(s1 * 5, 7) * 9, with x*5 = (x<<2) + x and x*9 = (x<<3) + x; a carry out of the low
    // half shows as a sum smaller than an addend.
    let al = (s1l << 2) >>> 0;
    let ah = ((s1h << 2) | (s1l >>> 30)) >>> 0;
    const ml = (al + s1l) >>> 0;
    const mh = (ah + s1h + (ml < al ? 1 : 0)) >>> 0;
    const rl = ((ml << 7) | (mh >>> 25)) >>> 0;
    const rh = ((mh << 7) | (ml >>> 25)) >>> 0;
    al = (rl << 3) >>> 0;
    ah = ((rh << 3) | (rl >>> 29)) >>> 0;
    const outLo = (al + rl) >>> 0;
    this.lo = outLo;
    this.hi = (ah + rh + (outLo < al ? 1 : 0)) >>> 0;

    const tl = s1l << 17;
    const th = (s1h << 17) | (s1l >>> 15);
    s2l ^= s0l;
    s2h ^= s0h;
    s3l ^= s1l;
    s3h ^= s1h;
    s1l ^= s2l;
    s1h ^= s2h;
    s0l ^= s3l;
    s0h ^= s3h;
    s2l ^= tl;
    s2h ^= th;
    // rotl(s3, 45) = swap the halves (rotate by 32), then rotate by 13.
    const r3l = (s3h << 13) | (s3l >>> 19);
    const r3h = (s3l << 13) | (s3h >>> 19);

    s[0] = s0l;
    s[1] = s0h;
    s[2] = s1l;
    s[3] = s1h;
    s[4] = s2l;
    s[5] = s2h;
    s[6] = r3l;
    s[7] = r3h;
  }
}
