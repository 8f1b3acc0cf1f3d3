import { KCP_CMD_ACK, KCP_CMD_PUSH, KCP_CMD_WASK } from '../../../src/kcp/index.js';
import { kcpSegment, sealNone } from '../wire.js';
import type { FuzzClass } from './fuzz-class.js';

/**
 * One datagram from each of many new source addresses (127.x.y.z): each opens a server session that
 * never delivers data (an ACK, a probe, or a PUSH that is not next in sequence), the shape of a flood of
 * stray or spoofed packets. The server must hold at most its session cap and reclaim them.
 */
export function floodClass(): FuzzClass {
  return {
    name: 'flood',
    summary: 'one datagram per new source address, opening sessions that never deliver data',
    async input(ctx) {
      const cmd = ctx.rng.pick([KCP_CMD_ACK, KCP_CMD_WASK, KCP_CMD_PUSH]);
      const segment = kcpSegment({
        conv: ctx.rng.u32(),
        cmd,
        sn: cmd === KCP_CMD_PUSH ? ctx.rng.between(1, 1000) : ctx.rng.u32(),
        data: cmd === KCP_CMD_PUSH ? ctx.rng.bytes(ctx.rng.below(1200)) : undefined,
      });
      await ctx.sendFromNewAddress(sealNone(segment, ctx.rng));
    },
  };
}
