import type { UdpPeer } from './udp-io.js';

/** Data and parity shards per FEC group. */
export interface FecShape {
  readonly dataShards: number;
  readonly parityShards: number;
}

/**
 * What a listener or a dialled session notices about what arrives, told per occurrence to the layer above,
 * which words it (in its own terms: flags for the tunnel) and rate-limits it: the transport never prints.
 * Every hook is optional and called synchronously; none is on the path of a datagram that is accepted.
 */
export interface TransportObserver {
  /**
   * A datagram failed the checksum or authentication (the crypt refused it): the peers probably differ in
   * key or crypt. `key` identifies the sender (equal keys: equal address and port); `sender()` names it and
   * may only be called during this call.
   */
  undecryptable?(key: number | string, sender: () => UdpPeer): void;
  /**
   * As undecryptable, from a sender whose session is open (its other datagrams opened): not a key or crypt
   * mismatch but a datagram damaged or stray. Go kcptun 2021 sends about one in a thousand so under load: its
   * sessions share one cipher whose CFB register kcp-go 5.6 keeps in the cipher, so two sessions encrypting
   * at once garble a block of each other's datagram (docs/datagram-damage-2026-12-08-damage39.md).
   */
  damaged?(key: number | string, sender: () => UdpPeer): void;
  /**
   * The UDP socket reported an error (counted in transportCounters.udpSocketErrors). `socket` names it: the
   * server's address for a dialled session's socket, the local address for a listener's.
   */
  socketError?(err: Error, socket: string): void;
  /**
   * FEC shards from `remote` come in groups of another shape than this end's dataShards/parityShards (the
   * decoder adapted to what the FEC headers show). Once per session.
   */
  fecShards?(remote: string, seen: FecShape, ours: FecShape): void;
  /**
   * -mode auto: `remote` sends without FEC headers (its FEC is off), so this session sends without FEC too.
   * Once per session.
   */
  peerWithoutFec?(remote: string): void;
  /** Batched I/O is available in this process yet this socket could not have it (it uses dgram). */
  ioFallback?(reason: string): void;
}
