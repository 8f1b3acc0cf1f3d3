import type { DatagramBatch } from './batch.js';

/**
 * kcp-go's BlockCrypt: a length-preserving transform over a whole datagram, in place.
 * Every -crypt method except `null` and `aes-128-gcm` is one of these; the test vectors of docs/protocol.md §11.2 are its output.
 */
export interface BlockCrypt {
  /** Encrypt buf[0, len) in place. */
  encrypt(buf: Buffer, len: number): void;
  /** Decrypt buf[0, len) in place. */
  decrypt(buf: Buffer, len: number): void;
  /**
   * Optional: decrypt in place datagrams [from, to) of `batch` whose length is above 0, as `decrypt` does one,
   * for a cipher whose fixed cost per call is worth sharing (OpenSSL's).
   */
  decryptMany?(batch: DatagramBatch, from: number, to: number): void;
  /** Optional: encrypt in place datagrams [from, to) of `batch` whose length is above 0, as `encrypt` does one. */
  encryptMany?(batch: DatagramBatch, from: number, to: number): void;
}

/**
 * The whole crypt layer of one datagram: header (nonce, checksum), cipher, trailer (AEAD tag).
 * Layers below KCP/FEC reserve `headerSize` bytes in front of their payload and `trailerSize` after it.
 */
export interface PacketCrypt {
  /** The -crypt name this was built for. */
  readonly name: string;
  /** Bytes in front of the payload: 20 (nonce + CRC32) for block ciphers and `none`, 12 for AES-GCM, 0 for `null`. */
  readonly headerSize: number;
  /** Bytes after the payload: 16 (GCM tag) for AES-GCM, else 0. */
  readonly trailerSize: number;
  /**
   * buf[headerSize, end) holds the plaintext payload and buf has room for `trailerSize` more bytes.
   * Fills the header, encrypts in place, and returns the datagram length (end + trailerSize).
   */
  seal(buf: Buffer, end: number): number;
  /**
   * Decrypt and verify buf[0, len) in place. Returns the end of the payload, which is buf[headerSize, end),
   * or -1 when the datagram is too short or fails its integrity check. Never throws.
   */
  open(buf: Buffer, len: number): number;
  /**
   * Optional: `open` every datagram of `batch` in place, its result in `batch.ends` (the end relative to
   * the datagram's start, or -1), sharing per-call costs where the cipher can.
   */
  openMany?(batch: DatagramBatch): void;
  /**
   * Set when sealing a batch of datagrams together is cheaper than one by one (an OpenSSL block cipher:
   * cfb-lockstep.ts): the I/O that queues datagrams for one system call then seals them at its flush.
   */
  readonly batchSealer?: BatchSealer | null;
}

/**
 * Sealing split in two: `prepare` when the datagram is built (the header, so that nothing after it needs
 * the plaintext but FEC, which copies it first), `sealMany` on the whole send batch before it leaves.
 */
export interface BatchSealer {
  /** `PacketCrypt.seal` without the encryption; returns the datagram length. */
  prepare(buf: Buffer, end: number): number;
  /** Encrypt in place every datagram of `batch`, each prepared by `prepare` (lengths as it returned). */
  sealMany(batch: DatagramBatch): void;
}
