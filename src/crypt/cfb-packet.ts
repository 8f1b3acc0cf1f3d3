import type { DatagramBatch } from './batch.js';
import { crc32Signed } from './crc32.js';
import { sharedNoncePool } from './nonce.js';
import type { BatchSealer, BlockCrypt, PacketCrypt } from './types.js';

/** kcp-go `nonceSize`: random bytes in front of every datagram. */
export const CFB_NONCE_SIZE = 16;
/** kcp-go `cryptHeaderSize`: nonce + CRC32. */
export const CFB_HEADER_SIZE = 20;

/**
 * kcp-go's datagram layout for every BlockCrypt (docs/protocol.md §1.2, §1.4): nonce[0,16) ‖ crc32-IEEE LE[16,20) ‖
 * payload, the CRC computed over the plaintext payload, then the whole datagram (nonce included)
 * transformed by the block cipher.
 */
export class CfbPacketCrypt implements PacketCrypt {
  readonly headerSize = CFB_HEADER_SIZE;
  readonly trailerSize = 0;
  readonly batchSealer: BatchSealer | null;

  constructor(
    readonly name: string,
    private readonly block: BlockCrypt,
  ) {
    const encryptMany = block.encryptMany?.bind(block);
    this.batchSealer =
      encryptMany === undefined
        ? null
        : {
            prepare: (buf, end) => {
              sharedNoncePool.fill(buf, 0, CFB_NONCE_SIZE);
              this.checksum(buf, end);
              return end;
            },
            sealMany: (batch) => encryptMany(batch, 0, batch.count),
          };
  }

  seal(buf: Buffer, end: number): number {
    sharedNoncePool.fill(buf, 0, CFB_NONCE_SIZE);
    return this.checksumAndEncrypt(buf, end);
  }

  /** `seal` with a caller-chosen nonce, for test vectors. */
  sealWithNonce(buf: Buffer, end: number, nonce: Buffer): number {
    nonce.copy(buf, 0, 0, CFB_NONCE_SIZE);
    return this.checksumAndEncrypt(buf, end);
  }

  open(buf: Buffer, len: number): number {
    if (len < CFB_HEADER_SIZE) return -1;
    this.block.decrypt(buf, len);
    return crc32Signed(buf, CFB_HEADER_SIZE, len) === buf.readInt32LE(CFB_NONCE_SIZE) ? len : -1;
  }

  openMany(batch: DatagramBatch): void {
    const { bufs, offsets, lengths, ends, count } = batch;
    const block = this.block;
    if (block.decryptMany !== undefined) block.decryptMany(batch, 0, count);
    for (let i = 0; i < count; i++) {
      const len = lengths[i];
      if (len < CFB_HEADER_SIZE) {
        ends[i] = -1;
        continue;
      }
      const buf = bufs[i];
      const at = offsets[i];
      if (block.decryptMany === undefined) block.decrypt(at === 0 ? buf : buf.subarray(at), len);
      ends[i] =
        crc32Signed(buf, at + CFB_HEADER_SIZE, at + len) === buf.readInt32LE(at + CFB_NONCE_SIZE) ? len : -1;
    }
  }

  private checksumAndEncrypt(buf: Buffer, end: number): number {
    this.checksum(buf, end);
    this.block.encrypt(buf, end);
    return end;
  }

  private checksum(buf: Buffer, end: number): void {
    buf.writeInt32LE(crc32Signed(buf, CFB_HEADER_SIZE, end), CFB_NONCE_SIZE);
  }
}
