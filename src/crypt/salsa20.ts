import type { BlockCrypt } from './types.js';
import { WordView } from './xor.js';

const KEY_SIZE = 32;
/** kcp-go takes the Salsa20 nonce from the packet itself: its first 8 bytes, which stay in clear. */
const NONCE_SIZE = 8;
const BLOCK_SIZE = 64;
const DOUBLE_ROUNDS = 10;
/** "expand 32-byte k" as little-endian words. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
/** Salsa20 is little-endian, so on such hosts a keystream word XORs straight into a host-order word. */
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * `-crypt salsa20` (docs/protocol.md §2.4): Salsa20/20 keyed with pass[0,32), nonce = packet bytes [0,8), block counter
 * from 0 for every packet, XORed over bytes [8,len). Encryption and decryption are the same operation.
 * Packets shorter than the nonce are left alone (kcp-go v5.6.1 would panic on them; the latest guards).
 */
export class Salsa20BlockCrypt implements BlockCrypt {
  /** The input block: constants, key, nonce, counter (section 9 of Bernstein's Salsa20 specification). */
  private readonly input = new Int32Array(16);
  private readonly keystream = new Int32Array(16);
  private readonly view = new WordView();

  constructor(key: Buffer) {
    if (key.length !== KEY_SIZE) {
      throw new Error(`key must be ${KEY_SIZE} bytes for Salsa20, got ${key.length}`);
    }
    const input = this.input;
    input[0] = SIGMA[0];
    input[5] = SIGMA[1];
    input[10] = SIGMA[2];
    input[15] = SIGMA[3];
    for (let i = 0; i < 4; i++) {
      input[1 + i] = key.readInt32LE(4 * i);
      input[11 + i] = key.readInt32LE(16 + 4 * i);
    }
  }

  encrypt(buf: Buffer, len: number): void {
    this.xorKeystream(buf, len);
  }

  decrypt(buf: Buffer, len: number): void {
    this.xorKeystream(buf, len);
  }

  private xorKeystream(buf: Buffer, len: number): void {
    if (len <= NONCE_SIZE) return;
    const { input, keystream } = this;
    input[6] = buf.readInt32LE(0);
    input[7] = buf.readInt32LE(4);
    input[8] = 0;
    input[9] = 0;
    const base = LITTLE_ENDIAN_HOST ? this.view.attach(buf) : -1;
    for (let offset = NONCE_SIZE; offset < len; offset += BLOCK_SIZE) {
      salsa20Core(input, keystream);
      // A 64-bit counter, but a datagram never gets near 2^32 blocks.
      input[8] = (input[8] + 1) | 0;
      const end = Math.min(offset + BLOCK_SIZE, len);
      let i = offset;
      if (base >= 0) {
        const words = this.view.words;
        const at = base + (offset >>> 2);
        for (let w = 0; i + 4 <= end; w++, i += 4) words[at + w] ^= keystream[w];
      } else {
        for (let w = 0; i + 4 <= end; w++, i += 4) {
          const word = keystream[w];
          buf[i] ^= word;
          buf[i + 1] ^= word >>> 8;
          buf[i + 2] ^= word >>> 16;
          buf[i + 3] ^= word >>> 24;
        }
      }
      for (; i < end; i++) {
        const k = i - offset;
        buf[i] ^= keystream[k >>> 2] >>> (8 * (k & 3));
      }
    }
  }
}

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** out = Salsa20/20 core(input): ten double rounds, then the input added back word by word. */
function salsa20Core(input: Int32Array, out: Int32Array): void {
  let x0 = input[0];
  let x1 = input[1];
  let x2 = input[2];
  let x3 = input[3];
  let x4 = input[4];
  let x5 = input[5];
  let x6 = input[6];
  let x7 = input[7];
  let x8 = input[8];
  let x9 = input[9];
  let x10 = input[10];
  let x11 = input[11];
  let x12 = input[12];
  let x13 = input[13];
  let x14 = input[14];
  let x15 = input[15];
  for (let i = 0; i < DOUBLE_ROUNDS; i++) {
    // Column round.
    x4 ^= rotl((x0 + x12) | 0, 7);
    x8 ^= rotl((x4 + x0) | 0, 9);
    x12 ^= rotl((x8 + x4) | 0, 13);
    x0 ^= rotl((x12 + x8) | 0, 18);
    x9 ^= rotl((x5 + x1) | 0, 7);
    x13 ^= rotl((x9 + x5) | 0, 9);
    x1 ^= rotl((x13 + x9) | 0, 13);
    x5 ^= rotl((x1 + x13) | 0, 18);
    x14 ^= rotl((x10 + x6) | 0, 7);
    x2 ^= rotl((x14 + x10) | 0, 9);
    x6 ^= rotl((x2 + x14) | 0, 13);
    x10 ^= rotl((x6 + x2) | 0, 18);
    x3 ^= rotl((x15 + x11) | 0, 7);
    x7 ^= rotl((x3 + x15) | 0, 9);
    x11 ^= rotl((x7 + x3) | 0, 13);
    x15 ^= rotl((x11 + x7) | 0, 18);
    // Row round.
    x1 ^= rotl((x0 + x3) | 0, 7);
    x2 ^= rotl((x1 + x0) | 0, 9);
    x3 ^= rotl((x2 + x1) | 0, 13);
    x0 ^= rotl((x3 + x2) | 0, 18);
    x6 ^= rotl((x5 + x4) | 0, 7);
    x7 ^= rotl((x6 + x5) | 0, 9);
    x4 ^= rotl((x7 + x6) | 0, 13);
    x5 ^= rotl((x4 + x7) | 0, 18);
    x11 ^= rotl((x10 + x9) | 0, 7);
    x8 ^= rotl((x11 + x10) | 0, 9);
    x9 ^= rotl((x8 + x11) | 0, 13);
    x10 ^= rotl((x9 + x8) | 0, 18);
    x12 ^= rotl((x15 + x14) | 0, 7);
    x13 ^= rotl((x12 + x15) | 0, 9);
    x14 ^= rotl((x13 + x12) | 0, 13);
    x15 ^= rotl((x14 + x13) | 0, 18);
  }
  out[0] = x0 + input[0];
  out[1] = x1 + input[1];
  out[2] = x2 + input[2];
  out[3] = x3 + input[3];
  out[4] = x4 + input[4];
  out[5] = x5 + input[5];
  out[6] = x6 + input[6];
  out[7] = x7 + input[7];
  out[8] = x8 + input[8];
  out[9] = x9 + input[9];
  out[10] = x10 + input[10];
  out[11] = x11 + input[11];
  out[12] = x12 + input[12];
  out[13] = x13 + input[13];
  out[14] = x14 + input[14];
  out[15] = x15 + input[15];
}
