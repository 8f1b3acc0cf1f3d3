import type { FuzzContext } from '../context.js';
import {
  SMUX_FIN,
  SMUX_NOP,
  SMUX_PSH,
  SMUX_SYN,
  SMUX_UPD,
  SMUX_VERSION,
  smuxFrame,
  smuxUpd,
  snappyStream,
} from '../streams.js';
import { cutRandomly } from '../wire.js';
import type { FuzzClass } from './fuzz-class.js';

const MAX_OPS = 4;
const MAX_SYN_FLOOD = 32;
const MAX_FRAME = 0xffff;
/** Largest snappy write the fuzzer makes when it regroups frames across chunks. */
const MAX_WRITE = 9000;

/** An odd stream id, as a client opens them (3, 5, ...). */
function clientSid(ctx: FuzzContext): number {
  return 3 + 2 * ctx.rng.below(64);
}

/** A sequence of smux frames; each op may build on streams opened by an earlier op of the same case. */
type Op = (ctx: FuzzContext, open: number[]) => Buffer[];

function opened(ctx: FuzzContext, open: number[]): number {
  return open.length > 0 ? ctx.rng.pick(open) : clientSid(ctx);
}

const ops: Op[] = [
  // A real stream: SYN and some data (the server dials the target, which echoes it back).
  (ctx, open) => {
    const sid = clientSid(ctx);
    open.push(sid);
    return [smuxFrame(SMUX_SYN, sid), smuxFrame(SMUX_PSH, sid, ctx.rng.bytes(ctx.rng.between(1, 2000)))];
  },
  // A version byte other than 2.
  (ctx) => {
    let version = ctx.rng.below(256);
    if (version === SMUX_VERSION) version = 1;
    return [smuxFrame(ctx.rng.below(5), clientSid(ctx), undefined, 0, version)];
  },
  // Unknown commands.
  (ctx) => [smuxFrame(ctx.rng.between(SMUX_UPD + 1, 255), ctx.rng.u32(), ctx.rng.bytes(ctx.rng.below(16)))],
  // SYN, FIN or NOP with a length (and payload).
  (ctx) => {
    const length = ctx.rng.between(1, MAX_FRAME);
    const cmd = ctx.rng.pick([SMUX_SYN, SMUX_FIN, SMUX_NOP]);
    return [smuxFrame(cmd, clientSid(ctx), ctx.rng.bytes(Math.min(length, 64)), length)];
  },
  // UPD with a length other than 8.
  (ctx) => {
    const length = ctx.rng.pick([0, 1, 7, 9, 16, MAX_FRAME]);
    return [smuxUpd(clientSid(ctx), ctx.rng.u32(), ctx.rng.u32(), length)];
  },
  // UPD abuse on an open stream or one never opened: consumed beyond what was sent, windows 0 and 2^32-1.
  (ctx, open) => {
    const sid = ctx.rng.chance(0.7) ? opened(ctx, open) : ctx.rng.u32();
    return Array.from({ length: ctx.rng.between(1, 6) }, () =>
      smuxUpd(sid, ctx.rng.edgyU32(), ctx.rng.pick([0, 1, 0xffffffff, ctx.rng.edgyU32()])),
    );
  },
  // A PSH whose length runs past the data that follows (the session waits for bytes that never come).
  (ctx) => {
    const length = ctx.rng.between(1, MAX_FRAME);
    return [smuxFrame(SMUX_PSH, clientSid(ctx), ctx.rng.bytes(ctx.rng.below(Math.min(length, 200))), length)];
  },
  // Data, FIN and UPD for streams never opened.
  (ctx) => [
    smuxFrame(SMUX_PSH, ctx.rng.u32(), ctx.rng.bytes(ctx.rng.between(1, 500))),
    smuxFrame(SMUX_FIN, ctx.rng.u32()),
  ],
  // Life-cycle abuse: SYN twice, FIN twice, data after FIN, SYN again after FIN.
  (ctx, open) => {
    const sid = opened(ctx, open);
    return [
      smuxFrame(SMUX_SYN, sid),
      smuxFrame(SMUX_SYN, sid),
      smuxFrame(SMUX_FIN, sid),
      smuxFrame(SMUX_FIN, sid),
      smuxFrame(SMUX_PSH, sid, ctx.rng.bytes(ctx.rng.between(1, 300))),
      smuxFrame(SMUX_SYN, sid),
    ];
  },
  // Stream ids a client never uses: 0, even (server-side) ids, 2^32-1.
  (ctx, open) => {
    const sid = ctx.rng.pick([0, 2, 2 * ctx.rng.between(1, 1000), 0xffffffff]);
    open.push(sid);
    return [smuxFrame(SMUX_SYN, sid), smuxFrame(SMUX_PSH, sid, ctx.rng.bytes(ctx.rng.between(1, 100)))];
  },
  // Many streams at once.
  (ctx, open) => {
    const frames: Buffer[] = [];
    const n = ctx.rng.between(2, MAX_SYN_FLOOD);
    for (let i = 0; i < n; i++) {
      const sid = 1001 + 2 * ctx.rng.below(10000);
      open.push(sid);
      frames.push(smuxFrame(SMUX_SYN, sid));
    }
    return frames;
  },
  // The largest frame, to an open stream.
  (ctx, open) => [smuxFrame(SMUX_PSH, opened(ctx, open), ctx.rng.bytes(MAX_FRAME))],
  // Random well-delimited frames of every command.
  (ctx, open) =>
    Array.from({ length: ctx.rng.between(1, 10) }, () => {
      const cmd = ctx.rng.below(5);
      const sid = ctx.rng.chance(0.5) ? opened(ctx, open) : ctx.rng.below(16);
      if (cmd === SMUX_UPD) return smuxUpd(sid, ctx.rng.u32(), ctx.rng.u32());
      if (cmd === SMUX_PSH) return smuxFrame(cmd, sid, ctx.rng.bytes(ctx.rng.between(1, 256)));
      return smuxFrame(cmd, sid);
    }),
];

/**
 * Malformed and abusive smux v2 frames inside valid snappy framing, each case on a fresh forged session:
 * a few ops in a row, written as one chunk per frame or regrouped so that frames straddle chunks.
 */
export function smuxClass(): FuzzClass {
  return {
    name: 'smux',
    summary: 'bad versions, unknown cmds, lengths past the end, streams never opened, UPD abuse, SYN floods',
    input(ctx) {
      const s = ctx.freshSession();
      const open: number[] = [];
      const frames: Buffer[] = [];
      const n = ctx.rng.between(1, MAX_OPS);
      for (let i = 0; i < n; i++) frames.push(...ctx.rng.pick(ops)(ctx, open));
      const writes = ctx.rng.chance(0.5) ? frames : cutRandomly(Buffer.concat(frames), MAX_WRITE, ctx.rng);
      s.sendStream(snappyStream(writes), ctx.rng.between(16, 1300), ctx.rng.chance(0.3));
    },
  };
}
