import type { BlockFunction } from './cfb.js';

const KEY_SIZE = 16;
const ROUNDS = 32;

/** GB/T 32907-2016 S-box τ, row by row. */
const SBOX_HEX = `
d690e9fecce13db716b614c228fb2c052b679a762abe04c3aa44132649860699
9c4250f491ef987a33540b43edcfac62e4b31ca9c908e89580df94fa758f3fa6
4707a7fcf37317ba83593c19e6854fa8686b81b27164da8bf8eb0f4b70569d35
1e240e5e6358d1a225227c3b01217887d40046579fd327524c3602e7a0c4c89e
eabf8ad240c738b5a3f7f2cef96115a1e0ae5da49b341a55ad933230f58cb1e3
1df6e22e8266ca60c02923ab0d534e6fd5db3745defd8e2f03ff6a726d6c5b51
8d1baf92bbddbc7f11d95c411f105ad80ac13188a5cd7bbd2d74d012b8e5b4b0
8969974a0c96777e65b9f109c56ec68418f07dec3adc4d2079ee5f3ed7cb3948
`;
const SBOX = Uint8Array.from(Buffer.from(SBOX_HEX.replace(/\s+/g, ''), 'hex'));
if (SBOX.length !== 256) throw new Error(`SM4 S-box holds ${SBOX.length} bytes, expected 256`);

/** System parameter FK, XORed into the key words before the schedule. */
const FK = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc];

/** Fixed parameter CK_i: byte j (from the most significant) is (4i + j) · 7 mod 256. */
function ck(i: number): number {
  let word = 0;
  for (let j = 0; j < 4; j++) word = (word << 8) | (((4 * i + j) * 7) & 0xff);
  return word;
}

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** τ on all four bytes of a word. */
function substitute(x: number): number {
  return (
    (SBOX[x >>> 24] << 24) | (SBOX[(x >>> 16) & 0xff] << 16) | (SBOX[(x >>> 8) & 0xff] << 8) | SBOX[x & 0xff]
  );
}

/** The round transform T = L(τ(·)) folded into four byte tables: T[256 * j + x] = L(τ(x) in byte j from the top). */
const T = (() => {
  const table = new Int32Array(4 * 256);
  for (let x = 0; x < 256; x++) {
    const b = SBOX[x] << 24;
    const l = b ^ rotl(b, 2) ^ rotl(b, 10) ^ rotl(b, 18) ^ rotl(b, 24);
    for (let j = 0; j < 4; j++) table[256 * j + x] = rotl(l, 32 - 8 * j);
  }
  return table;
})();

function roundTransform(x: number): number {
  return T[x >>> 24] ^ T[256 | ((x >>> 16) & 0xff)] ^ T[512 | ((x >>> 8) & 0xff)] ^ T[768 | (x & 0xff)];
}

/** SM4 (GB/T 32907-2016, formerly SMS4), the 128-bit block cipher of Go's github.com/tjfoc/gmsm/sm4. */
export class Sm4 implements BlockFunction {
  readonly blockSize = 16;
  private readonly roundKeys = new Int32Array(ROUNDS);

  constructor(key: Buffer) {
    if (key.length !== KEY_SIZE) throw new Error(`key must be ${KEY_SIZE} bytes for SM4, got ${key.length}`);
    const k = [0, 1, 2, 3].map((i) => key.readInt32BE(4 * i) ^ FK[i]);
    for (let i = 0; i < ROUNDS; i++) {
      const b = substitute(k[1] ^ k[2] ^ k[3] ^ ck(i));
      const next = k[0] ^ b ^ rotl(b, 13) ^ rotl(b, 23);
      this.roundKeys[i] = next;
      k.shift();
      k.push(next);
    }
  }

  encryptBlock(words: Int32Array): void {
    const rk = this.roundKeys;
    let x0 = words[0];
    let x1 = words[1];
    let x2 = words[2];
    let x3 = words[3];
    for (let i = 0; i < ROUNDS; i += 4) {
      x0 ^= roundTransform(x1 ^ x2 ^ x3 ^ rk[i]);
      x1 ^= roundTransform(x2 ^ x3 ^ x0 ^ rk[i + 1]);
      x2 ^= roundTransform(x3 ^ x0 ^ x1 ^ rk[i + 2]);
      x3 ^= roundTransform(x0 ^ x1 ^ x2 ^ rk[i + 3]);
    }
    // The output is the last four words in reverse order.
    words[0] = x3;
    words[1] = x2;
    words[2] = x1;
    words[3] = x0;
  }
}
