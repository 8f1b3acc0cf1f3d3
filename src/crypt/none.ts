import type { BlockCrypt } from './types.js';

/**
 * `-crypt none`: the identity transform. The CFB packet header (nonce + CRC32) is still sent. Its
 * `decryptMany` spares a receive batch the per-datagram `decrypt` calls, and the view each would need
 * for a coalesced datagram at an offset.
 */
export const noneBlockCrypt: BlockCrypt = {
  encrypt(): void {},
  decrypt(): void {},
  decryptMany(): void {},
};
