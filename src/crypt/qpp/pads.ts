import { type Cipher, createCipheriv, createHmac, pbkdf2Sync } from 'node:crypto';

/**
 * The qpp library generation that built the peer's pads (docs/protocol.md §9.5); the three are mutually incompatible.
 * - 'v1.1.24': qpp ≥ v1.1.24, kcptun commits from 2025-12-22 on (the latest kcptun): 7 chunks, both
 *   AES halves of the shuffle state encrypted.
 * - 'v1.1.19': qpp v1.1.19 – v1.1.23 (kcptun ~v20251219): 7 chunks, first AES half only.
 * - 'v1.1.18': qpp ≤ v1.1.18 (kcptun v20240701 – v20251212): 6 chunks, first AES half only.
 */
export type QppVariant = 'v1.1.24' | 'v1.1.19' | 'v1.1.18';

interface VariantRule {
  /** ceil(211/32) = 7; the old code floored bitlen(256!)/8 = 210 and then floored /32 = 6. */
  readonly chunkCount: number;
  readonly encryptsBothHalves: boolean;
}

const VARIANT_RULES: Readonly<Record<QppVariant, VariantRule>> = {
  'v1.1.24': { chunkCount: 7, encryptsBothHalves: true },
  'v1.1.19': { chunkCount: 7, encryptsBothHalves: false },
  'v1.1.18': { chunkCount: 6, encryptsBothHalves: false },
};

/** 8 qubits: each pad is a permutation of the 256 byte values. */
export const QPP_PAD_SIZE = 256;
/** kcptun passes `-QPPCount` to qpp as a uint16. */
export const QPP_MAX_PADS = 0xffff;

const CHUNK_BYTES = 32;
const AES_BLOCK = 16;
const SEED_DERIVE_SALT = '___QUANTUM_PERMUTATION_PAD_SEED_DERIVE___';
const SHUFFLE_SALT = '___QUANTUM_PERMUTATION_PAD_SHUFFLE_SALT___';
const SHORT_SEED_ITERATIONS = 128;
const CHUNK_ITERATIONS = 1024;
const AES_KEY_ITERATIONS = 128;
const PAD_NAME_PREFIX = 'QPP_';
const TWO_POW_32 = 0x1_0000_0000;

/** 32-byte chunks cut cyclically from the seed (its index keeps running across chunks), each stretched. */
function seedChunks(seed: Uint8Array, chunkCount: number): Buffer[] {
  const material =
    seed.length < CHUNK_BYTES
      ? pbkdf2Sync(seed, SEED_DERIVE_SALT, SHORT_SEED_ITERATIONS, CHUNK_BYTES, 'sha1')
      : seed;
  const chunks: Buffer[] = [];
  for (let i = 0; i < chunkCount; i++) {
    const raw = Buffer.alloc(CHUNK_BYTES);
    for (let j = 0; j < CHUNK_BYTES; j++) raw[j] = material[(CHUNK_BYTES * i + j) % material.length];
    chunks.push(pbkdf2Sync(raw, SEED_DERIVE_SALT, CHUNK_ITERATIONS, CHUNK_BYTES, 'sha1'));
  }
  return chunks;
}

function shuffleCipher(chunk: Buffer): Cipher {
  const key = pbkdf2Sync(chunk, SHUFFLE_SALT, AES_KEY_ITERATIONS, CHUNK_BYTES, 'sha1');
  const ecb = createCipheriv('aes-256-ecb', key, null);
  ecb.setAutoPadding(false);
  return ecb;
}

/** A 32-byte big-endian number modulo a small m (≤ 256), 32-bit limbs at a time (exact in doubles). */
function mod256BitBigEndian(view: DataView, offset: number, m: number): number {
  let r = 0;
  for (let k = 0; k < CHUNK_BYTES; k += 4) r = (r * TWO_POW_32 + view.getUint32(offset + k)) % m;
  return r;
}

/**
 * The shared permutation pads of one `-key` / `-QPPCount` (docs/protocol.md §9.3). Each pad is a Fisher-Yates
 * shuffle of 0..255 driven by a 32-byte state that is repeatedly AES-encrypted. Pads are independent,
 * so every pad's state lives side by side in one buffer and each AES key encrypts all of them in a
 * single ECB call per shuffle step (ECB treats every 16-byte block on its own).
 */
export class QppPads {
  readonly numPads: number;
  readonly variant: QppVariant;
  /** Pad p is forward[256p, 256p+256): ciphertext byte = forward[256p + (plain ^ key)]. */
  readonly forward: Uint8Array;
  /** The inverse permutations, same layout. */
  readonly inverse: Uint8Array;

  constructor(seed: Uint8Array, numPads: number, variant: QppVariant = 'v1.1.24') {
    if (!Number.isInteger(numPads) || numPads < 1 || numPads > QPP_MAX_PADS) {
      throw new Error(
        `-QPPCount (number of QPP pads) must be an integer in 1..${QPP_MAX_PADS}, got ${numPads}`,
      );
    }
    const rule = VARIANT_RULES[variant];
    if (rule === undefined) throw new Error(`unknown QPP variant ${String(variant)}`);
    this.numPads = numPads;
    this.variant = variant;
    this.forward = new Uint8Array(numPads * QPP_PAD_SIZE);
    this.inverse = new Uint8Array(numPads * QPP_PAD_SIZE);

    const chunks = seedChunks(seed, rule.chunkCount);
    const ciphers = chunks.map(shuffleCipher);
    // states[32p, 32p+32) = pad p's shuffle state, starting at HMAC(chunk, "QPP_<p in binary>").
    let states: Buffer = Buffer.alloc(numPads * CHUNK_BYTES);
    for (let p = 0; p < numPads; p++) {
      createHmac('sha256', chunks[p % chunks.length])
        .update(PAD_NAME_PREFIX + p.toString(2))
        .digest()
        .copy(states, p * CHUNK_BYTES);
    }
    for (let i = 0; i < numPads * QPP_PAD_SIZE; i++) this.forward[i] = i & 0xff;

    for (let i = QPP_PAD_SIZE - 1; i > 0; i--) {
      states = rule.encryptsBothHalves
        ? encryptAll(ciphers, states)
        : encryptFirstHalves(ciphers, states, numPads);
      const view = new DataView(states.buffer, states.byteOffset, states.length);
      for (let p = 0; p < numPads; p++) {
        const base = p * QPP_PAD_SIZE;
        const j = base + mod256BitBigEndian(view, p * CHUNK_BYTES, i + 1);
        const t = this.forward[base + i];
        this.forward[base + i] = this.forward[j];
        this.forward[j] = t;
      }
    }

    for (let p = 0; p < numPads; p++) {
      const base = p * QPP_PAD_SIZE;
      for (let v = 0; v < QPP_PAD_SIZE; v++) this.inverse[base + this.forward[base + v]] = v;
    }
  }
}

function encryptAll(ciphers: readonly Cipher[], states: Buffer): Buffer {
  let out = states;
  for (const c of ciphers) out = c.update(out);
  return out;
}

/** Older qpp encrypted only sum[0:16) in place, so the second halves never change. */
function encryptFirstHalves(ciphers: readonly Cipher[], states: Buffer, numPads: number): Buffer {
  let halves = Buffer.alloc(numPads * AES_BLOCK);
  for (let p = 0; p < numPads; p++)
    states.copy(halves, p * AES_BLOCK, p * CHUNK_BYTES, p * CHUNK_BYTES + AES_BLOCK);
  for (const c of ciphers) halves = c.update(halves);
  for (let p = 0; p < numPads; p++) halves.copy(states, p * CHUNK_BYTES, p * AES_BLOCK, (p + 1) * AES_BLOCK);
  return states;
}
