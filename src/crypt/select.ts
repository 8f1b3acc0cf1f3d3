import { AesCfbBlockCrypt } from './aes.js';
import { blockCipherFactories } from './block-ciphers.js';
import { CfbPacketCrypt } from './cfb-packet.js';
import { AesGcmPacketCrypt } from './gcm.js';
import { DERIVED_KEY_SIZE } from './kdf.js';
import { noneBlockCrypt } from './none.js';
import { nullPacketCrypt } from './null.js';
import type { PacketCrypt } from './types.js';

/** Which kcptun to be compatible with: 20210922 (K21) or the latest release (the default). */
export type KcptunVersion = 'k21' | 'latest';

export interface CreatePacketCryptOptions {
  version?: KcptunVersion;
}

export interface SelectedPacketCrypt {
  crypt: PacketCrypt;
  /** The method was unknown (or could not be built) and AES-256 is used instead, as kcptun does silently. */
  fellBackToAes: boolean;
}

/** The method kcptun uses by default and for every name it does not know. */
const FALLBACK_METHOD = 'aes';

/** AES key length per name: `aes` is AES-256 (spec 2.2). */
const AES_KEY_SIZES: Readonly<Record<string, number>> = { aes: 32, 'aes-128': 16, 'aes-192': 24 };
const GCM_KEY_SIZE = 16;

/** Every -crypt name the latest kcptun accepts (K21 accepts all but `null` and `aes-128-gcm`). */
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
function build(method: string, pass: Buffer, version: KcptunVersion): PacketCrypt | undefined {
  if (Object.hasOwn(AES_KEY_SIZES, method)) return aesPacketCrypt(method, pass);
  switch (method) {
    case 'none':
      return new CfbPacketCrypt(method, noneBlockCrypt);
    // K21 has no case for `null` and `aes-128-gcm`: its switch default turns them into AES-256.
    case 'null':
      return version === 'latest' ? nullPacketCrypt : undefined;
    case 'aes-128-gcm':
      return version === 'latest' ? new AesGcmPacketCrypt(pass.subarray(0, GCM_KEY_SIZE)) : undefined;
  }
  if (!Object.hasOwn(blockCipherFactories, method)) return undefined;
  return new CfbPacketCrypt(method, blockCipherFactories[method](pass));
}

/**
 * kcptun's `-crypt` selection (K21 `client/main.go` switch, latest `std.SelectBlockCrypt`).
 * `pass` is the 32-byte key from `deriveKey`; each cipher takes the prefix it needs (spec 2.2).
 * Unknown names, and ciphers whose construction fails, become AES-256 with `fellBackToAes` set.
 */
export function createPacketCrypt(
  method: string,
  pass: Buffer,
  opts: CreatePacketCryptOptions = {},
): SelectedPacketCrypt {
  if (pass.length !== DERIVED_KEY_SIZE) {
    throw new Error(`pass must be the ${DERIVED_KEY_SIZE}-byte derived key, got ${pass.length} bytes`);
  }
  const version = opts.version ?? 'latest';
  if (version !== 'latest' && version !== 'k21') throw new Error(`version must be 'k21' or 'latest'`);
  let crypt: PacketCrypt | undefined;
  try {
    crypt = build(method, pass, version);
  } catch {
    crypt = undefined;
  }
  if (crypt !== undefined) return { crypt, fellBackToAes: false };
  return { crypt: aesPacketCrypt(FALLBACK_METHOD, pass), fellBackToAes: true };
}
