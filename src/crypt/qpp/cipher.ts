import type { QppPads } from './pads.js';
import { QppPrng } from './prng.js';

/** Each PRNG output keys 8 stream bytes. */
const BYTES_PER_WORD = 8;
const PAD_SELECTOR_MASK = 0xffff;
/** Pads are 256 bytes: pad p starts at p << PAD_SHIFT. */
const PAD_SHIFT = 8;

/**
 * One direction of one stream's QPP (docs/protocol.md §9.4): stream byte k uses PRNG output r_w (w = k/8), is XORed
 * with byte k%8 of r_w (little-endian) and permuted by pad (r_w & 0xFFFF) mod numPads. The position
 * within the current word carries over between calls, so any chunking gives the same bytes.
 * Use one instance to encrypt or to decrypt, never both.
 */
export class QppCipher {
  private readonly prng: QppPrng;
  private readonly forward: Uint8Array;
  private readonly inverse: Uint8Array;
  private readonly numPads: number;
  /** Key bytes of the current word not used yet, next one in the low byte. */
  private keyLo = 0;
  private keyHi = 0;
  /** How many bytes of the current word are left (0: draw a new word first). */
  private left = 0;
  /** Offset of the current word's pad in forward / inverse. */
  private padBase = 0;

  constructor(pads: QppPads, seed: Uint8Array) {
    this.prng = new QppPrng(seed);
    this.forward = pads.forward;
    this.inverse = pads.inverse;
    this.numPads = pads.numPads;
  }

  /** Encrypt buf[start, end) in place. */
  encrypt(buf: Uint8Array, start = 0, end = buf.length): void {
    const pad = this.forward;
    let i = this.partialWord(buf, start, Math.min(end, start + this.left), 'encrypt');
    const prng = this.prng;
    const n = this.numPads;
    for (; end - i >= BYTES_PER_WORD; i += BYTES_PER_WORD) {
      prng.next();
      const lo = prng.lo;
      const hi = prng.hi;
      const b = ((lo & PAD_SELECTOR_MASK) % n) << PAD_SHIFT;
      buf[i] = pad[b | ((buf[i] ^ lo) & 0xff)];
      buf[i + 1] = pad[b | ((buf[i + 1] ^ (lo >>> 8)) & 0xff)];
      buf[i + 2] = pad[b | ((buf[i + 2] ^ (lo >>> 16)) & 0xff)];
      buf[i + 3] = pad[b | (buf[i + 3] ^ (lo >>> 24))];
      buf[i + 4] = pad[b | ((buf[i + 4] ^ hi) & 0xff)];
      buf[i + 5] = pad[b | ((buf[i + 5] ^ (hi >>> 8)) & 0xff)];
      buf[i + 6] = pad[b | ((buf[i + 6] ^ (hi >>> 16)) & 0xff)];
      buf[i + 7] = pad[b | (buf[i + 7] ^ (hi >>> 24))];
    }
    if (i < end) this.partialWord(buf, i, end, 'encrypt');
  }

  /** Decrypt buf[start, end) in place. */
  decrypt(buf: Uint8Array, start = 0, end = buf.length): void {
    const pad = this.inverse;
    let i = this.partialWord(buf, start, Math.min(end, start + this.left), 'decrypt');
    const prng = this.prng;
    const n = this.numPads;
    for (; end - i >= BYTES_PER_WORD; i += BYTES_PER_WORD) {
      prng.next();
      const lo = prng.lo;
      const hi = prng.hi;
      const b = ((lo & PAD_SELECTOR_MASK) % n) << PAD_SHIFT;
      buf[i] = pad[b | buf[i]] ^ lo;
      buf[i + 1] = pad[b | buf[i + 1]] ^ (lo >>> 8);
      buf[i + 2] = pad[b | buf[i + 2]] ^ (lo >>> 16);
      buf[i + 3] = pad[b | buf[i + 3]] ^ (lo >>> 24);
      buf[i + 4] = pad[b | buf[i + 4]] ^ hi;
      buf[i + 5] = pad[b | buf[i + 5]] ^ (hi >>> 8);
      buf[i + 6] = pad[b | buf[i + 6]] ^ (hi >>> 16);
      buf[i + 7] = pad[b | buf[i + 7]] ^ (hi >>> 24);
    }
    if (i < end) this.partialWord(buf, i, end, 'decrypt');
  }

  /**
   * Byte-at-a-time path for the ends of a call that are not whole words: uses up the current word
   * (drawing the next one when it is spent) and keeps what is left of it for the next call.
   */
  private partialWord(
    buf: Uint8Array,
    start: number,
    stop: number,
    direction: 'encrypt' | 'decrypt',
  ): number {
    const decrypting = direction === 'decrypt';
    let keyLo = this.keyLo;
    let keyHi = this.keyHi;
    let left = this.left;
    let base = this.padBase;
    for (let i = start; i < stop; i++) {
      if (left === 0) {
        this.prng.next();
        keyLo = this.prng.lo;
        keyHi = this.prng.hi;
        base = ((keyLo & PAD_SELECTOR_MASK) % this.numPads) << PAD_SHIFT;
        left = BYTES_PER_WORD;
      }
      buf[i] = decrypting
        ? this.inverse[base | buf[i]] ^ keyLo
        : this.forward[base | ((buf[i] ^ keyLo) & 0xff)];
      keyLo = (keyLo >>> 8) | (keyHi << 24);
      keyHi >>>= 8;
      left--;
    }
    this.keyLo = keyLo;
    this.keyHi = keyHi;
    this.left = left;
    this.padBase = base;
    return stop;
  }
}
