/**
 * The FEC shape a client's server sends, as its sessions' decoders saw it, so that the client's later
 * sessions send that shape from their first datagram (docs/interop-fec-shape-2026-12-07-shape34.md).
 *
 * kcp-go's decoder starts at its own -datashard/-parityshard and places each shard by seqid mod (ds + ps)
 * until its autotune locks onto the sender's shape, which needs a loss-free run of a group's data and its
 * parity (kcp-go v5.6.1 autotune.go). Under loss a fresh session runs unlocked for tens of groups, and the
 * decoder "recovers" false data shards from mixtures of ours that KCP may take into the stream: a 10/3
 * client toward a Go 5/2 server at 5 % loss broke a second session's first data in 16 of 54 runs (ours) and
 * 3 of 54 (Go's own client) (docs/interop-fec-shape-2026-12-07-shape33.md). A kcptun peer's fresh decoder
 * has the shape its encoder sends, so a session that sends the server's shape needs no autotune at all.
 *
 * A session's own shape stays fixed once its first parity shard has gone out (KcpSession.followFecShape):
 * a decoder that has locked onto one shape would need a loss-free run of the new one to lock again.
 * A server does the same per client host (PeerFecShapes): a Go 10/3 client's second session toward our
 * 5/2 server broke as often, in the Go client's decoder.
 */

/** Data and parity shards per FEC group. */
export interface FecShape {
  readonly dataShards: number;
  readonly parityShards: number;
}

export function sameFecShape(a: FecShape, b: FecShape): boolean {
  return a.dataShards === b.dataShards && a.parityShards === b.parityShards;
}

export class PeerFecShape {
  private learned: FecShape | null = null;
  private followTold = false;
  /**
   * A server's memory of one client host (PeerFecShapes.forHost) takes a second, different shape as two
   * clients behind one address, and from then on guesses nothing (mixedHost).
   */
  private forOneHost = false;
  private mixedHost = false;

  /**
   * `configured`: this end's -datashard/-parityshard (FEC on). `onFollow` is told, once, the first time a
   * session takes another shape than that (the startup log's line); `onLearn` each time the learned shape
   * changes (the client offers it to its open sessions that may still change: followFecShape).
   */
  constructor(
    readonly configured: FecShape,
    private readonly onFollow?: (shape: FecShape, configured: FecShape) => void,
    private readonly onLearn?: (shape: FecShape) => void,
  ) {}

  /** A server's memory of one client host's shape (PeerFecShapes). */
  static ofHost(
    configured: FecShape,
    onFollow?: (shape: FecShape, configured: FecShape) => void,
  ): PeerFecShape {
    const shape = new PeerFecShape(configured, onFollow);
    shape.forOneHost = true;
    return shape;
  }

  /** Whether open sessions are offered a learned shape (a client's: KcpSession.followFecShape). */
  get followsOpenSessions(): boolean {
    return this.onLearn !== undefined;
  }

  /** The shape last learned, null before any session's decoder showed one. */
  get known(): FecShape | null {
    return this.learned;
  }

  /**
   * A session's decoder showed the peer sends groups of this shape: its autotune locked onto it, or its
   * stream confirmed the session's own (FecDecoder.peerShapeSame). The latest wins: a server restarted
   * with other flags is followed by the sessions dialled after a session saw that.
   */
  learn(shape: FecShape): void {
    if (this.learned !== null && sameFecShape(this.learned, shape)) return;
    if (this.learned !== null && this.forOneHost) this.mixedHost = true;
    this.learned = { dataShards: shape.dataShards, parityShards: shape.parityShards };
    this.onLearn?.(this.learned);
  }

  /** The shape a session created now sends and decodes in: the learned one, else the configured one. */
  forNewSession(): FecShape {
    const learned = this.learned;
    if (learned === null || this.mixedHost || sameFecShape(learned, this.configured)) return this.configured;
    this.noteFollowing(learned);
    return learned;
  }

  /** A session sends another shape than the configured one: said once (onFollow). */
  noteFollowing(shape: FecShape): void {
    if (this.followTold || sameFecShape(shape, this.configured)) return;
    this.followTold = true;
    this.onFollow?.(shape, this.configured);
  }
}

/**
 * Hosts whose shape a server remembers. A client's -conn sessions come from one host (other ports); a
 * host's next session sends what its last one learned. Behind a NAT several clients share a host: a
 * client of the configured shape would then get another client's, the mismatch this memory exists to
 * avoid, so a host whose sessions showed two shapes gets the configured one again (a client restarted
 * with other flags too: what every session did before). The oldest host goes when there are more.
 */
const MAX_HOSTS = 4096;

/**
 * A server's PeerFecShape per client host, all with the same configured shape. `onFollow` is told once
 * per server, not per host: hosts come and go (up to MAX_HOSTS), and each host's mismatch is already
 * reported by the session's own diagnosis line, at most once per host per minute.
 */
export class PeerFecShapes {
  private readonly byHost = new Map<string, PeerFecShape>();
  private followTold = false;
  private readonly tellFollowOnce = (shape: FecShape, configured: FecShape): void => {
    if (this.followTold) return;
    this.followTold = true;
    this.onFollow?.(shape, configured);
  };

  constructor(
    readonly configured: FecShape,
    private readonly onFollow?: (shape: FecShape, configured: FecShape) => void,
  ) {}

  /** The memory of `host` (an address without port), made on first use. */
  forHost(host: string): PeerFecShape {
    let shape = this.byHost.get(host);
    if (shape !== undefined) {
      this.byHost.delete(host); // most recently used last
    } else {
      shape = PeerFecShape.ofHost(this.configured, this.tellFollowOnce);
      if (this.byHost.size >= MAX_HOSTS) {
        const oldest = this.byHost.keys().next().value;
        if (oldest !== undefined) this.byHost.delete(oldest);
      }
    }
    this.byHost.set(host, shape);
    return shape;
  }

  /** Hosts remembered now (tests: bounded). */
  get size(): number {
    return this.byHost.size;
  }
}
