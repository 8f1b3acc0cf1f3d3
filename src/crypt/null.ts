import type { PacketCrypt } from './types.js';

/** `-crypt null` (latest kcptun only): no header, no cipher, no integrity check. */
export const nullPacketCrypt: PacketCrypt = {
  name: 'null',
  headerSize: 0,
  trailerSize: 0,
  seal(_buf: Buffer, end: number): number {
    return end;
  },
  open(_buf: Buffer, len: number): number {
    return len;
  },
};
