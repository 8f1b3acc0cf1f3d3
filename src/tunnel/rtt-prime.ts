/**
 * -mode auto's controller learns the round trip only from the ACK of a data segment it sent, and before
 * that sends a small unpaced window and waits for that ACK (src/kcp/congestion/controller.ts,
 * INITIAL_WINDOW), while KCP's initial RTO (200 ms) resends all of it on a longer round trip. A tunnel
 * session's first data used to be the first download's: a cold session lost its first round trip to it
 * (32 segments, then a whole round trip waiting, on 100 ms/5 % and 150 ms/10 %, their traces). So each end
 * of an auto session sends one smux NOP as the session starts: smux's keep-alive frame, which every smux
 * peer ignores (Go's sends one every 10 s), so nothing new is on the wire. The client dials its sessions
 * at start and sends it then, the server when the client's first datagram makes the session, and each
 * end's controller has its RTT sample from the other's ACK a round trip later, before the first request.
 */
import type { SmuxSession } from '../smux/index.js';
import type { AutoTuning } from '../transport/session.js';

/** Whether sessions with these -mode auto parts send the NOP (only the controller needs the sample). */
export function primesRtt(auto: AutoTuning | null | undefined): boolean {
  return auto?.congestion === true;
}

/** A new session's first frame: a keep-alive NOP (stream id 0), whose ACK gives the sender an RTT sample. */
export function primeRtt(mux: SmuxSession): void {
  mux.sendNop(0);
}
