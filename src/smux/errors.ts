/** Why a smux session or stream failed; lets the tunnel tell a misconfiguration from a dead link. */
export type SmuxErrorCode =
  /** The peer sent bytes that are not a valid smux frame for this session (often a version mismatch). */
  | 'PROTOCOL'
  /** Nothing arrived from the peer for a whole keepalive timeout. */
  | 'KEEPALIVE_TIMEOUT'
  /** The session is closed. */
  | 'CLOSED'
  /** Stream ids are exhausted; a new session is needed. */
  | 'GOAWAY'
  /** A v2 peer acknowledged more bytes than were sent on a stream. */
  | 'CONSUMED';

export class SmuxError extends Error {
  constructor(
    message: string,
    readonly code: SmuxErrorCode,
    /**
     * PROTOCOL only: the header bytes refused, when they were the session's first frame. What a peer sends
     * first instead of a frame tells which setting differs (snappy framing, another version); the tunnel
     * reads it, since only it knows what each end stacks on the connection.
     */
    readonly firstBytes?: Uint8Array,
  ) {
    super(message);
    this.name = 'SmuxError';
  }
}
