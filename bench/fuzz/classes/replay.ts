import { capturedPacket, convOf, sendAsOwnSession } from './corpus.js';
import type { FuzzClass } from './fuzz-class.js';

/** Datagrams in a replayed run of the conversation. */
const RUN = 20;

/**
 * Captured packets sent again unchanged: into the live session (duplicates and stale ACKs the server must
 * shrug off), from fuzzer addresses (a new session with the live conv), and whole runs of the conversation
 * from its start (which replays the stream opening to the target: kcptun has no replay protection).
 */
export function replayClass(): FuzzClass {
  return {
    name: 'replay',
    summary: 'captured packets replayed into the live session and from other addresses, singly and in runs',
    input(ctx) {
      const route = ctx.rng.below(10);
      if (route < 5) {
        const p = capturedPacket(ctx, true);
        if (p !== null) ctx.injectLive(p);
        return;
      }
      if (route < 8) {
        const p = capturedPacket(ctx, false);
        if (p !== null) sendAsOwnSession(ctx, p, convOf(p));
        return;
      }
      const packets = ctx.tap.up.packets;
      if (packets.length === 0) return;
      const start = ctx.rng.chance(0.5) ? 0 : ctx.rng.below(packets.length);
      const socket = ctx.rng.below(ctx.socketCount);
      for (let i = start; i < Math.min(packets.length, start + RUN); i++)
        ctx.send(socket, Buffer.from(packets[i]));
    },
  };
}
