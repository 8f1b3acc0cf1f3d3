/** Why a smux session or stream failed; lets the tunnel tell a misconfiguration from a dead link. */
export type SmuxErrorCode =
  /** The peer sent bytes that are not a valid smux frame for this session (often a -smuxver mismatch). */
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
  ) {
    super(message);
    this.name = 'SmuxError';
  }
}
