/**
 * XOR of 64-bit words in native memory, on the XOR loop of V8's BigInt code, which the Node.js binary
 * exports: `v8::bigint::BitwiseXor_PosPos(RWDigits Z, Digits X, Digits Y)` sets Z[i] = X[i] ^ Y[i] for
 * i < Z.len when the three lengths are equal. Digits is { digit_t *digits; int len; }, trivially copyable,
 * so on x86-64 each argument travels in two registers: a plain (address, length) pair per buffer. Z may be
 * X (each word is read before it is written); Y must not overlap Z otherwise.
 *
 * Why: AES-CFB's keystream XOR done in JavaScript over BigUint64Arrays cost ~0.23-0.28 µs per 1350-byte
 * datagram, more than the AES-NI work that makes the keystream; one call of this loop through koffi
 * ~0.11, of which ~0.06 is koffi's fixed cost (docs/bench-tunnel-cpu-2026-12-05.md).
 *
 * The symbol is V8's internal API: bound only where it exists, and used only after it XORed a known
 * pattern right (in place, with the word after the range left alone); else callers keep to JavaScript.
 */

/** The mangled name of v8::bigint::BitwiseXor_PosPos(RWDigits, Digits, Digits). */
const XOR_SYMBOL = '_ZN2v86bigint17BitwiseXor_PosPosENS0_8RWDigitsENS0_6DigitsES2_';
/** The self-test: this many words XORed in place, then one more that must stay as it was. */
const CHECK_WORDS = 3;
const GUARD = 0x5a5a_5a5a_5a5a_5a5an;
const WORD_BYTES = 8;

/** dst[0, words) ^= src[0, words), 64-bit words at native addresses; dst and src must not overlap. */
export type NativeXor = (dst: number, src: number, words: number) => void;

/** The subset of a koffi library used here (the package is optional, so it is typed locally). */
interface KoffiLibrary {
  func(name: string, result: string, args: string[]): unknown;
}

/** The native address of a typed array's bytes (aes-multi-buffer.ts's memmove(p, p, 0)). */
type AddressOf = (bytes: Uint8Array, same: Uint8Array, zero: number) => number;

type BitwiseXor = (z: number, zLen: number, x: number, xLen: number, y: number, yLen: number) => void;

/** The XOR from `lib` (koffi.load(null): the process's own symbols); null where it is missing or wrong. */
export function bindNativeXor(lib: KoffiLibrary, addressOf: AddressOf): NativeXor | null {
  let xor: BitwiseXor;
  try {
    xor = lib.func(XOR_SYMBOL, 'void', [
      'intptr_t',
      'int',
      'intptr_t',
      'int',
      'intptr_t',
      'int',
    ]) as BitwiseXor;
  } catch {
    return null; // another Node.js (V8 renamed or hid it): JavaScript does the XOR
  }
  const nativeXor: NativeXor = (dst, src, words) => xor(dst, words, dst, words, src, words);
  return passesCheck(nativeXor, addressOf) ? nativeXor : null;
}

/** [dst (CHECK_WORDS), guard, src (CHECK_WORDS)]: dst ^= src must change dst alone, to what JS computes. */
function passesCheck(xor: NativeXor, addressOf: AddressOf): boolean {
  const words = new BigUint64Array(2 * CHECK_WORDS + 1);
  // reading `buffer` moves the bytes off the V8 heap: from then on their address holds
  const bytes = new Uint8Array(words.buffer);
  const address = addressOf(bytes, bytes, 0);
  const guard = CHECK_WORDS;
  const src = CHECK_WORDS + 1;
  const expected: bigint[] = [];
  for (let i = 0; i < CHECK_WORDS; i++) {
    words[i] = BigInt(i + 1) * 0x0123_4567_89ab_cdefn;
    words[src + i] = BigInt(i + 3) * 0x0fed_cba9_8765_4321n;
    expected.push(words[i]! ^ words[src + i]!);
  }
  words[guard] = GUARD;
  xor(address, address + src * WORD_BYTES, CHECK_WORDS);
  for (let i = 0; i < CHECK_WORDS; i++) if (words[i] !== expected[i]) return false;
  return words[guard] === GUARD;
}
