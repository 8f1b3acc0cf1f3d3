import type { BatchOpener } from '../crypt/batch.js';
import type { BatchSealer } from '../crypt/types.js';

/** `onDatagram`'s `opened` for a datagram still to be opened (decrypted and checked) by its receiver. */
export const UNOPENED = -2;

/** A datagram's other end: where a listener's session replies to. */
export class UdpPeer {
  constructor(
    readonly address: string,
    readonly port: number,
    /** The address as the kernel gives and takes it (struct sockaddr), when the I/O works on those. */
    readonly sockaddr: Uint8Array | null = null,
  ) {}
}

/**
 * The datagram I/O of one bound UDP socket: what a session and a listener need from it, nothing more.
 * Received datagrams are lent to `onDatagram` for the duration of the call; outgoing ones are built in
 * a buffer from `claim` and handed to `send`.
 */
export interface UdpIo {
  /**
   * Every datagram received: bytes [offset, offset + len) of `buf`, which is only lent for the call (copy
   * what you keep). `opened` is what `opener.openMany` gave for it (already opened in place), or UNOPENED;
   * `offset` is 0 unless it was opened (a segment of a coalesced receive is then delivered in place).
   */
  onDatagram: (buf: Buffer, len: number, opened: number, offset: number) => void;
  /**
   * The crypt of what this socket receives, for an I/O that receives datagrams in batches to open them
   * all at once before delivering them (mmsg-io); null, or ignored by an I/O that receives one by one.
   */
  opener?: BatchOpener | null;
  /**
   * Declared (null until set) only by an I/O that sends in batches (mmsg-io): the crypt of what this
   * socket sends, when it seals batches cheaper than datagram by datagram. Once set, every datagram given
   * to `send` must have been only prepared (`sealer.prepare`); the I/O seals the batch as it leaves.
   */
  sealer?: BatchSealer | null;
  /**
   * Every error the socket reports (counted in transportCounters.udpSocketErrors first): a send the kernel
   * refused, an ICMP error reported late. The socket stays usable; KCP's retransmission copes.
   */
  onError: (err: Error) => void;
  /** The sender of the datagram being delivered, as a Map key: equal keys mean equal address and port. */
  senderKey(): number | string;
  /** The sender of the datagram being delivered, to reply to and to name in logs. */
  sender(): UdpPeer;
  /** A buffer of at least KCP_MTU_LIMIT bytes to build the next outgoing datagram in (sending it spares a copy). */
  claim(): Buffer;
  /**
   * Send bytes [0, len) of `buf`, to `to` or, on a connected socket, to the peer. A buffer from claim()
   * belongs to the I/O again afterwards; any other must not be changed later (dgram may still hold it).
   */
  send(buf: Buffer, len: number, to?: UdpPeer): void;
  /**
   * Declared only by an I/O that can see its receive queue (mmsg-io): true while the queue held at least
   * half the socket's receive buffer at the last read, so that what arrives may be dropped by our own
   * kernel, or while a read after a stall left datagrams queued (the peer's ACKs perhaps among them), and
   * sessions hold their retransmission timeouts (Kcp.holdTimeouts).
   */
  readonly receiveFilling?: boolean;
  /**
   * Declared only by an I/O that can see its socket's drop count (mmsg-io): the datagrams the kernel has
   * dropped at this socket's full receive buffer, as read after the last read that filled its batch (drops
   * happen only then). Sessions compare it between flushes (Kcp.receiveDropAt).
   */
  readonly receiveDrops?: number;
  /** Stop receiving and close the socket. */
  close(): void;
}
