/**
 * -mode auto's controller learns the round trip only from the ACK of a data segment it sent, and before
 * that sends a small unpaced window and waits for that ACK (src/kcp/congestion/first-flight.ts,
 * INITIAL_WINDOW), while KCP's initial RTO (200 ms) resends all of it on a longer round trip. A tunnel
 * session's first data used to be the first download's: a cold session lost its first round trip to it
 * (32 segments, then a whole round trip waiting, on 100 ms/5 % and 150 ms/10 %, their traces). So each end
 * of an auto session sends one smux NOP as the session starts: smux's keep-alive frame, which every smux
 * peer ignores (Go's sends one every 10 s), so nothing new is on the wire. The client dials its sessions
 * at start and sends it then, the server when the client's first datagram makes the session, and each
 * end's controller has its RTT sample from the other's ACK a round trip later, before the first request.
 *
 * On smux v2 each end also announces its per-stream window then (a UPD with stream id 0, which smux peers
 * ignore): a stream's sender otherwise assumes smux's initial 262144 bytes until the stream's own first
 * UPD, a round trip after its first data, and a cold download's first flight stopped there (202 segments
 * in flight, `data` in its trace, 100 ms/5 % and 150 ms/10 %) below the controller's initial window.
 */
import type { SmuxSession } from '../smux/index.js';
import type { AutoTuning } from '../transport/auto-kcp.js';

/** Whether sessions with these -mode auto parts send the NOP (only the controller needs the sample). */
export function primesRtt(auto: AutoTuning | null | undefined): boolean {
  return auto?.congestion === true;
}

/**
 * A new session's first frames: a keep-alive NOP (stream id 0), whose ACK gives the sender an RTT sample,
 * and on smux v2 this end's stream window for the peer's new streams.
 */
export function primeRtt(mux: SmuxSession): void {
  mux.sendNop(0);
  mux.announceStreamWindow();
}
