import { FEC_TYPE_DATA, FEC_TYPE_PARITY } from '../../../src/fec/index.js';
import type { FuzzContext } from '../context.js';
import { OUTER_HEADER } from '../wire.js';

/**
 * A captured datagram to mutate or replay. `live` restricts the choice to the client → server packets of
 * the live session's current address: only those may be sent on the live path, because an old session's
 * sn 0 packet from that address would make the server replace the live session (a conv change with sn 0 is
 * a reconnect, docs/protocol.md §5.2). Null while nothing was captured.
 */
export function capturedPacket(ctx: FuzzContext, live: boolean): Buffer | null {
  const { up, down } = ctx.tap;
  if (live) {
    const source = ctx.tap.liveSource;
    for (let tries = 0; tries < 16 && up.packets.length > 0; tries++) {
      const i = ctx.rng.below(up.packets.length);
      if (up.sources[i] === source) return Buffer.from(up.packets[i]);
    }
    return null;
  }
  const pool = down.packets.length > 0 && ctx.rng.chance(0.3) ? down.packets : up.packets;
  return pool.length === 0 ? null : Buffer.from(ctx.rng.pick(pool));
}

/** The conv of a captured datagram (bare KCP, or a FEC data shard), or null for parity and short packets. */
export function convOf(datagram: Buffer): number | null {
  if (datagram.length < OUTER_HEADER + 24) return null;
  const type = datagram.readUInt16LE(OUTER_HEADER + 4);
  if (type === FEC_TYPE_PARITY) return null;
  if (type !== FEC_TYPE_DATA) return datagram.readUInt32LE(OUTER_HEADER);
  return datagram.length >= OUTER_HEADER + 8 + 24 ? datagram.readUInt32LE(OUTER_HEADER + 8) : null;
}

/** Send a captured (or mutated) datagram from a fuzzer address whose server session has its conv. */
export function sendAsOwnSession(ctx: FuzzContext, datagram: Buffer, conv: number | null): void {
  const socket = ctx.rng.below(ctx.socketCount);
  if (conv !== null) ctx.adopt(socket, conv);
  ctx.send(socket, datagram);
}
