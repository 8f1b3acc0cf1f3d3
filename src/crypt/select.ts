import { AesCfbBlockCrypt } from './aes.js';
import { blockCipherFactories } from './block-ciphers.js';
import { CfbPacketCrypt } from './cfb-packet.js';
import { AesGcmPacketCrypt } from './gcm.js';
import { DERIVED_KEY_SIZE } from './kdf.js';
import { noneBlockCrypt } from './none.js';
import { nullPacketCrypt } from './null.js';
import type { PacketCrypt } from './types.js';

export interface SelectedPacketCrypt {
  crypt: PacketCrypt;
  /** The method was unknown and AES-256 is used instead, as kcptun does (the caller logs it). */
  fellBackToAes: boolean;
}

/** The method kcptun uses by default and for every name it does not know. */
const FALLBACK_METHOD = 'aes';

/** AES key length per name: `aes` is AES-256 (docs/protocol.md §2.2). */
const AES_KEY_SIZES: Readonly<Record<string, number>> = { aes: 32, 'aes-128': 16, 'aes-192': 24 };
const GCM_KEY_SIZE = 16;

/** Every -crypt name the latest kcptun accepts (K21 accepts all but `null` and `aes-128-gcm`, which it turns into aes). */
export const CRYPT_METHODS: readonly string[] = [
  'aes',
  'aes-128',
  'aes-192',
  'salsa20',
  'blowfish',
  'twofish',
  'cast5',
  '3des',
  'tea',
  'xtea',
  'xor',
  'sm4',
  'none',
  'null',
  'aes-128-gcm',
];

function aesPacketCrypt(method: string, pass: Buffer): PacketCrypt {
  return new CfbPacketCrypt(method, new AesCfbBlockCrypt(pass.subarray(0, AES_KEY_SIZES[method])));
}

/** The PacketCrypt for a known name, or undefined when kcptun would not recognise it. */
function build(method: string, pass: Buffer): PacketCrypt | undefined {
  if (Object.hasOwn(AES_KEY_SIZES, method)) return aesPacketCrypt(method, pass);
  switch (method) {
    case 'none':
      return new CfbPacketCrypt(method, noneBlockCrypt);
    case 'null':
      return nullPacketCrypt;
    case 'aes-128-gcm':
      return new AesGcmPacketCrypt(pass.subarray(0, GCM_KEY_SIZE));
  }
  if (!Object.hasOwn(blockCipherFactories, method)) return undefined;
  return new CfbPacketCrypt(method, blockCipherFactories[method](pass));
}

/**
 * kcptun's `-crypt` selection (latest `std.SelectBlockCrypt`). `pass` is the 32-byte key from `deriveKey`;
 * each cipher takes the prefix it needs (docs/protocol.md §2.2).
 *
 * Only a name kcptun does not know becomes AES-256 (`fellBackToAes`), as kcptun's switch default does. A
 * known cipher that cannot be set up (its OpenSSL algorithm missing, say) is an error naming it: falling
 * back then would leave this end unable to talk to a peer that has the cipher, with nothing said.
 */
export function createPacketCrypt(method: string, pass: Buffer): SelectedPacketCrypt {
  if (pass.length !== DERIVED_KEY_SIZE) {
    throw new Error(`pass must be the ${DERIVED_KEY_SIZE}-byte derived key, got ${pass.length} bytes`);
  }
  let crypt: PacketCrypt | undefined;
  try {
    crypt = build(method, pass);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`crypt method ${JSON.stringify(method)} could not be set up: ${reason}`, { cause: err });
  }
  if (crypt !== undefined) return { crypt, fellBackToAes: false };
  return { crypt: aesPacketCrypt(FALLBACK_METHOD, pass), fellBackToAes: true };
}
