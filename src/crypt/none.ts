import type { BlockCrypt } from './types.js';

/** `-crypt none`: the identity transform. The CFB packet header (nonce + CRC32) is still sent. */
export const noneBlockCrypt: BlockCrypt = {
  encrypt(): void {},
  decrypt(): void {},
};
