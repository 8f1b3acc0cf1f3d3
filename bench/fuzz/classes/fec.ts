import { FEC_TYPE_DATA, FEC_TYPE_OOB, FEC_TYPE_PARITY, ReedSolomon } from '../../../src/fec/index.js';
import { KCP_CMD_PUSH } from '../../../src/kcp/index.js';
import type { ForgedSession, FuzzContext } from '../context.js';
import { SNAPPY_IDENTIFIER } from '../streams.js';
import { FEC_PARITY_HEADER, fecData, fecParity, kcpSegment, sealNone } from '../wire.js';
import type { FuzzClass } from './fuzz-class.js';

/** The server's FEC setting (kcptun's default 10/3), so that forged groups line up with its decoder. */
const DS = 10;
const PS = 3;
const GROUP = DS + PS;
const MAX_PARITY_BODY = 1480 - FEC_PARITY_HEADER;
const GROUP_FLOOD = 60;

const codec = new ReedSolomon(DS, PS);

/** A PUSH segment of the session carrying `data` (by default the start of a snappy stream). */
function push(s: ForgedSession, data: Buffer = SNAPPY_IDENTIFIER): Buffer {
  return kcpSegment({ conv: s.conv, cmd: KCP_CMD_PUSH, sn: s.nextSn(), data });
}

/** Parity for data shard bodies (size field onwards), as the peer's encoder would compute it. */
function parityOf(bodies: Buffer[]): Buffer[] {
  const length = Math.max(...bodies.map((b) => b.length));
  for (let i = 0; i < DS; i++) {
    bodies[i].copy(codec.shards[i]);
    codec.shards[i].fill(0, bodies[i].length, length);
  }
  codec.encode(length);
  return Array.from({ length: PS }, (_, k) => Buffer.from(codec.shards[DS + k].subarray(0, length)));
}

function shuffle<T>(items: T[], ctx: FuzzContext): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = ctx.rng.below(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

type Case = (ctx: FuzzContext, s: ForgedSession) => void;

const cases: Case[] = [
  // The size field lies: 0, 1, 2, one past the end, 0xffff, random.
  (ctx, s) => {
    const kcp = push(s);
    const size = ctx.rng.pick([0, 1, 2, kcp.length + 3, 0xffff, ctx.rng.below(0x10000)]);
    s.send(fecData(s.nextSeqid(), kcp, size));
  },
  // A session, then parity shards of random lengths and seqids in and around its first groups.
  (ctx, s) => {
    s.send(fecData(s.nextSeqid(), push(s)));
    const n = ctx.rng.between(1, 2 * GROUP);
    for (let i = 0; i < n; i++) {
      s.send(fecParity(ctx.rng.below(4 * GROUP), ctx.rng.bytes(ctx.rng.below(MAX_PARITY_BODY))));
    }
  },
  // A real Reed-Solomon group over shards whose size fields may lie, with data shards missing, so the
  // server reconstructs them and must vet what it recovered.
  (ctx, s) => {
    const base = GROUP * ctx.rng.below(4);
    const packets: Buffer[] = [];
    for (let i = 0; i < DS; i++) {
      const kcp = push(s, ctx.rng.bytes(ctx.rng.below(400)));
      packets.push(fecData(base + i, kcp, ctx.rng.chance(0.3) ? ctx.rng.below(0x10000) : undefined));
    }
    const parity = parityOf(packets.map((p) => p.subarray(FEC_PARITY_HEADER)));
    const first = packets.shift()!;
    const kept = shuffle(packets, ctx).slice(ctx.rng.between(1, PS));
    s.send(first);
    const rest = [...kept, ...parity.map((body, k) => fecParity(base + DS + k, body))];
    for (const p of shuffle(rest, ctx)) s.send(p);
  },
  // Seqids at the edges: wrap, paws, 2^31, random jumps and backwards.
  (ctx, s) => {
    for (let i = 0; i < 4; i++) s.send(fecData(ctx.rng.edgyU32(), push(s)));
  },
  // Data at parity positions and parity at data positions: the decoder's autotune sees a strange period.
  (ctx, s) => {
    s.send(fecData(s.nextSeqid(), push(s)));
    const n = ctx.rng.between(GROUP, 4 * GROUP);
    for (let seqid = 1; seqid < n; seqid++) {
      if (ctx.rng.chance(0.5)) s.send(fecData(seqid, push(s)));
      else s.send(fecParity(seqid, ctx.rng.bytes(ctx.rng.between(2, 200))));
    }
  },
  // Out-of-band packets (0xF3), which the latest kcp-go has and kcptun never sends.
  (ctx, s) => {
    s.send(fecData(s.nextSeqid(), push(s)));
    s.send(fecParity(0xffffffff, ctx.rng.bytes(ctx.rng.between(2, 300)), FEC_TYPE_OOB));
  },
  // FEC packets too short for their headers: no conv to open a session with, no room for a shard.
  (ctx, s) => {
    const type = ctx.rng.pick([FEC_TYPE_DATA, FEC_TYPE_PARITY]);
    s.send(fecParity(ctx.rng.u32(), ctx.rng.bytes(ctx.rng.below(26)), type));
  },
  // Shards of many different groups, none complete: the decoder's queue must stay bounded.
  (ctx, s) => {
    s.send(fecData(s.nextSeqid(), push(s)));
    for (let g = 1; g <= GROUP_FLOOD; g++) {
      const seqid = g * GROUP + ctx.rng.below(GROUP);
      if (seqid % GROUP < DS) s.send(fecData(seqid, push(s)));
      else s.send(fecParity(seqid, ctx.rng.bytes(ctx.rng.between(8, 1000))));
    }
  },
  // One seqid over and over with different contents.
  (ctx, s) => {
    const seqid = ctx.rng.below(GROUP);
    for (let i = 0; i < 8; i++) {
      if (ctx.rng.chance(0.5)) s.send(fecData(seqid, push(s)));
      else s.send(fecParity(seqid, ctx.rng.bytes(ctx.rng.between(8, 600))));
    }
  },
];

/** Valid outer layers carrying malformed FEC: each case on a fresh forged session. */
export function fecClass(): FuzzClass {
  return {
    name: 'fec',
    summary: 'lying size fields, junk and real-RS parity, seqid edges, type confusion, OOB, short shards',
    input(ctx) {
      const s = ctx.freshSession();
      ctx.rng.pick(cases)(ctx, s);
      // Now and then the same datagram from a bare address with no session (parity cannot open one).
      if (ctx.rng.chance(0.05))
        ctx.sendAnywhere(sealNone(fecParity(ctx.rng.u32(), ctx.rng.bytes(64)), ctx.rng));
    },
  };
}
