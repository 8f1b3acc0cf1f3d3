import { pbkdf2Sync } from 'node:crypto';
import { KCP_MTU_LIMIT } from '../kcp/constants.js';
import type { BlockCrypt } from './types.js';

/** kcp-go `saltxor`. */
const XOR_SALT = 'sH3CIVoF#rWLtJo6';
const XOR_ITERATIONS = 32;
/** kcp-go sizes the table by `mtuLimit`, so it covers the largest datagram (and its length is wire format). */
export const XOR_TABLE_SIZE = KCP_MTU_LIMIT;

/**
 * 32-bit access to a datagram's memory, to XOR four bytes per operation. The view spans the whole
 * ArrayBuffer behind the Buffer and is rebuilt only when that ArrayBuffer changes; transports reuse their
 * datagram buffers (or slices of Node's pool), so this does not allocate per packet. Words are in host
 * byte order.
 */
export class WordView {
  words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private memory: ArrayBufferLike | undefined = undefined;

  /** Points `words` at buf's memory and returns the index of buf[0] in it, or -1 when buf[0] is not 4-byte aligned. */
  attach(buf: Buffer): number {
    if ((buf.byteOffset & 3) !== 0) return -1;
    // The length check covers resizable ArrayBuffers that grew since the view was made.
    if (buf.buffer !== this.memory || 4 * this.words.length < ((buf.byteOffset + buf.length) & ~3)) {
      this.memory = buf.buffer;
      this.words = new Int32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
    }
    return buf.byteOffset >>> 2;
  }
}

/**
 * `-crypt xor` (docs/protocol.md §2.5): the datagram XORed, from byte 0, with a fixed 1500-byte table derived from the
 * 32-byte key by PBKDF2-HMAC-SHA1. Bytes past the table (never sent by kcp-go) are left unchanged, as Go's
 * xor over the shorter of the two slices does.
 */
export class XorBlockCrypt implements BlockCrypt {
  private readonly table: Buffer;
  /** The same table as host-order words, for aligned datagrams. */
  private readonly tableWords: Int32Array;
  private readonly view = new WordView();

  constructor(pass: Buffer) {
    this.table = pbkdf2Sync(pass, XOR_SALT, XOR_ITERATIONS, XOR_TABLE_SIZE, 'sha1');
    this.tableWords = new Int32Array(Uint8Array.from(this.table).buffer);
  }

  encrypt(buf: Buffer, len: number): void {
    this.xorTable(buf, len);
  }

  decrypt(buf: Buffer, len: number): void {
    this.xorTable(buf, len);
  }

  private xorTable(buf: Buffer, len: number): void {
    const table = this.table;
    const end = Math.min(len, XOR_TABLE_SIZE);
    let i = 0;
    const base = this.view.attach(buf);
    if (base >= 0) {
      const { words } = this.view;
      const tableWords = this.tableWords;
      const wordCount = end >>> 2;
      for (let w = 0; w < wordCount; w++) words[base + w] ^= tableWords[w];
      i = wordCount << 2;
    }
    for (; i < end; i++) buf[i] ^= table[i];
  }
}
