import { KCP_CMD_ACK, KCP_CMD_PUSH, KCP_CMD_WASK, KCP_CMD_WINS } from '../../../src/kcp/index.js';
import type { ForgedSession, FuzzContext } from '../context.js';
import { SMUX_NOP, SNAPPY_IDENTIFIER, smuxFrame, snappyStream } from '../streams.js';
import { FORGED_MTU, kcpSegment, OUTER_HEADER, packSegments } from '../wire.js';
import type { FuzzClass } from './fuzz-class.js';

/** The server's receive window (kcptun's server default -rcvwnd). */
const SERVER_RCV_WND = 1024;
const ROOM = FORGED_MTU - OUTER_HEADER;
const MAX_SEGMENT_DATA = ROOM - 24;
/** Segments parked out of order in one case: enough to fill a quarter of the server's receive window. */
const MAX_PARKED = SERVER_RCV_WND / 4;
const CMDS = [KCP_CMD_PUSH, KCP_CMD_ACK, KCP_CMD_WASK, KCP_CMD_WINS];

/** A valid stream for the layers above: the snappy identifier then smux NOPs, kcptun's idle chatter. */
function validStream(frames: number): Buffer {
  return snappyStream(Array.from({ length: frames }, () => smuxFrame(SMUX_NOP, 0)));
}

function sendSegments(s: ForgedSession, segments: Buffer[]): void {
  for (const payload of packSegments(segments, ROOM)) s.send(payload);
}

type Case = (ctx: FuzzContext, s: ForgedSession) => void;

const cases: Case[] = [
  // The len field runs past the datagram: by one, by a lot, 2^31, 2^32-1.
  (ctx, s) => {
    const data = ctx.rng.bytes(ctx.rng.below(64));
    const len = ctx.rng.pick([data.length + 1, data.length + 1000, 0x80000000, 0xffffffff, ctx.rng.u32()]);
    s.send(kcpSegment({ conv: s.conv, sn: s.nextSn(), data, len }));
  },
  // A good segment, then one of another conversation in the same datagram.
  (ctx, s) => {
    const good = kcpSegment({ conv: s.conv, sn: s.nextSn(), data: SNAPPY_IDENTIFIER });
    const foreign = kcpSegment({ conv: ctx.rng.u32(), sn: 1, data: ctx.rng.bytes(16) });
    s.send(Buffer.concat([good, foreign]));
  },
  // Unknown commands.
  (ctx, s) => {
    let cmd = ctx.rng.below(256);
    while (cmd >= KCP_CMD_PUSH && cmd <= KCP_CMD_WINS) cmd = ctx.rng.below(256);
    s.send(kcpSegment({ conv: s.conv, cmd, sn: s.nextSn(), data: ctx.rng.bytes(ctx.rng.below(32)) }));
  },
  // Fragment counts in stream mode, where kcptun always sends 0.
  (ctx, s) => {
    const pieces = [validStream(2), validStream(1).subarray(SNAPPY_IDENTIFIER.length)];
    const segments = pieces.map((data) =>
      kcpSegment({ conv: s.conv, sn: s.nextSn(), frg: ctx.rng.below(256), data }),
    );
    sendSegments(s, segments);
  },
  // Sequence numbers at the edges of and far beyond the window.
  (ctx, s) => {
    const sn = ctx.rng.pick([
      SERVER_RCV_WND - 1,
      SERVER_RCV_WND,
      SERVER_RCV_WND + 1,
      0x7fffffff,
      0x80000000,
      0xffffffff,
      ctx.rng.edgyU32(),
    ]);
    s.send(kcpSegment({ conv: s.conv, sn, data: ctx.rng.bytes(ctx.rng.below(MAX_SEGMENT_DATA)) }));
  },
  // una and wnd at the edges, on a session that has data in flight towards us.
  (ctx, s) => {
    s.send(kcpSegment({ conv: s.conv, sn: s.nextSn(), data: validStream(3) }));
    const una = ctx.rng.edgyU32();
    const wnd = ctx.rng.pick([0, 1, 0xffff, ctx.rng.below(0x10000)]);
    s.send(kcpSegment({ conv: s.conv, cmd: ctx.rng.pick(CMDS), una, wnd, sn: ctx.rng.edgyU32() }));
  },
  // ACKs for segments never sent, with timestamps from the past and the future.
  (ctx, s) => {
    s.send(kcpSegment({ conv: s.conv, sn: s.nextSn(), data: validStream(1) }));
    const acks = Array.from({ length: ctx.rng.between(1, 50) }, () =>
      kcpSegment({ conv: s.conv, cmd: KCP_CMD_ACK, sn: ctx.rng.edgyU32(), ts: ctx.rng.edgyU32() }),
    );
    sendSegments(s, acks);
  },
  // Window probes by the datagram-full: each one asks for a WINS back.
  (ctx, s) => {
    const asks = Array.from({ length: Math.floor(ROOM / 24) }, () =>
      kcpSegment({ conv: s.conv, cmd: KCP_CMD_WASK, sn: ctx.rng.u32() }),
    );
    sendSegments(s, asks);
  },
  // Empty PUSH segments, in order: the receive queue fills with nothing.
  (ctx, s) => {
    const segments = Array.from({ length: ctx.rng.between(1, 200) }, () =>
      kcpSegment({ conv: s.conv, sn: s.nextSn() }),
    );
    sendSegments(s, segments);
  },
  // A good segment followed by fewer than 24 bytes of junk, or a datagram shorter than one header.
  (ctx, s) => {
    if (ctx.rng.chance(0.5)) {
      const good = kcpSegment({ conv: s.conv, sn: s.nextSn(), data: validStream(1) });
      s.send(Buffer.concat([good, ctx.rng.bytes(ctx.rng.between(1, 23))]));
    } else {
      s.send(ctx.rng.bytes(ctx.rng.below(24)));
    }
  },
  // Out-of-order segments parked in the receive buffer: never delivered (sn 0 never comes), or delivered
  // at the end in reverse order.
  (ctx, s) => {
    const n = ctx.rng.between(2, MAX_PARKED);
    const deliver = ctx.rng.chance(0.5);
    const stream = deliver ? validStream(n * 4) : ctx.rng.bytes(n * ctx.rng.between(1, MAX_SEGMENT_DATA));
    const size = Math.ceil(stream.length / n);
    const segments: Buffer[] = [];
    for (let i = n - 1; i >= 0; i--) {
      const data = stream.subarray(i * size, Math.min(stream.length, (i + 1) * size));
      if (i > 0 || deliver) segments.push(kcpSegment({ conv: s.conv, sn: i, data }));
    }
    sendSegments(s, segments);
  },
  // The same segment many times.
  (ctx, s) => {
    const seg = kcpSegment({ conv: s.conv, sn: ctx.rng.below(4), data: ctx.rng.bytes(ctx.rng.below(200)) });
    sendSegments(
      s,
      Array.from({ length: ctx.rng.between(2, 40) }, () => seg),
    );
  },
  // A soup of segments of the right conv with random fields.
  (ctx, s) => {
    const segments = Array.from({ length: ctx.rng.between(1, 30) }, () =>
      kcpSegment({
        conv: s.conv,
        cmd: ctx.rng.pick(CMDS),
        frg: ctx.rng.below(256),
        wnd: ctx.rng.below(0x10000),
        ts: ctx.rng.u32(),
        sn: ctx.rng.chance(0.5) ? ctx.rng.below(SERVER_RCV_WND) : ctx.rng.u32(),
        una: ctx.rng.edgyU32(),
        data: ctx.rng.bytes(ctx.rng.below(100)),
      }),
    );
    sendSegments(s, segments);
  },
];

/** Valid outer layers carrying malformed or abusive KCP segments, each case on a fresh forged session. */
export function kcpClass(): FuzzClass {
  return {
    name: 'kcp',
    summary:
      'bad lengths, foreign conv, unknown cmds, frg, edge sn/una/wnd, junk ACKs, WASK floods, parked segments',
    input(ctx) {
      const s = ctx.freshSession();
      ctx.rng.pick(cases)(ctx, s);
    },
  };
}
