import type { ForgedSession, FuzzContext } from '../context.js';
import {
  CHUNK_COMPRESSED,
  CHUNK_IDENTIFIER,
  CHUNK_PADDING,
  CHUNK_UNCOMPRESSED,
  compressedChunk,
  SMUX_NOP,
  SMUX_PSH,
  SMUX_SYN,
  SNAPPY_IDENTIFIER,
  smuxFrame,
  snappyChunk,
  snappyStream,
  uncompressedChunk,
} from '../streams.js';
import type { FuzzClass } from './fuzz-class.js';

const NOP = smuxFrame(SMUX_NOP, 0);
const MAX_CHUNK_LENGTH = 0xffffff;

/** A snappy block that is wrong in one of the ways a decoder must catch. */
function badBlock(ctx: FuzzContext): Buffer {
  const r = ctx.rng;
  switch (r.below(7)) {
    case 0: // a varint that never ends, or ends above 2^32
      return Buffer.concat([Buffer.alloc(r.between(1, 12), 0xff), r.bytes(r.below(8))]);
    case 1: // declares more than a chunk may hold
      return Buffer.from([0x81, 0x80, 0x04, 0x00]); // 65537
    case 2: // a literal longer than what follows
      return Buffer.from([0x20, 0xf0, 0xff, 0xff, 0x01, 0x41]);
    case 3: // a copy before the start of the output
      return Buffer.from([0x10, 0x00, 0x41, 0x05, 0x20]);
    case 4: // a copy with offset 0
      return Buffer.from([0x10, 0x04, 0x41, 0x42, 0x05, 0x00]);
    case 5: // declares fewer bytes than the tags produce
      return Buffer.from([0x02, 0x0c, 0x41, 0x42, 0x43, 0x44]);
    default: // random tags after a small length: sometimes valid, then it gets the right CRC
      return Buffer.concat([Buffer.from([r.below(64)]), r.bytes(r.below(64))]);
  }
}

type Case = (ctx: FuzzContext) => Buffer;

const cases: Case[] = [
  // No identifier first.
  (ctx) => uncompressedChunk(ctx.rng.pick([NOP, ctx.rng.bytes(ctx.rng.below(64))])),
  // An identifier of the wrong length or contents.
  (ctx) => {
    const body = ctx.rng.chance(0.5)
      ? Buffer.from('sNaPpZ')
      : Buffer.from('sNaPpY'.slice(0, ctx.rng.below(6)));
    return snappyChunk(CHUNK_IDENTIFIER, body);
  },
  // A data chunk whose CRC is wrong.
  (ctx) => {
    const data = Buffer.concat([NOP, ctx.rng.bytes(ctx.rng.below(32))]);
    return Buffer.concat([SNAPPY_IDENTIFIER, uncompressedChunk(data, ctx.rng.u32())]);
  },
  // A compressed chunk holding a broken (or, by luck, valid) block.
  (ctx) => Buffer.concat([SNAPPY_IDENTIFIER, compressedChunk(badBlock(ctx), ctx.rng.u32())]),
  // Reserved unskippable chunk types 0x02-0x7f.
  (ctx) => Buffer.concat([SNAPPY_IDENTIFIER, snappyChunk(ctx.rng.between(0x02, 0x7f), ctx.rng.bytes(8))]),
  // Skippable chunks (0x80-0xfe) of any declared length, with valid chunks after them that may be swallowed.
  (ctx) => {
    const type = ctx.rng.pick([CHUNK_PADDING, ctx.rng.between(0x80, 0xfd)]);
    const length = ctx.rng.chance(0.5) ? ctx.rng.below(64) : ctx.rng.below(MAX_CHUNK_LENGTH + 1);
    const body = ctx.rng.bytes(Math.min(length, 64));
    return Buffer.concat([
      SNAPPY_IDENTIFIER,
      snappyChunk(type, body, length),
      snappyStream([NOP]).subarray(10),
    ]);
  },
  // Data chunks declaring huge lengths, lengths below the checksum, and more than 65536 bytes uncompressed.
  (ctx) => {
    const type = ctx.rng.pick([CHUNK_COMPRESSED, CHUNK_UNCOMPRESSED]);
    const length = ctx.rng.pick([0, 1, 3, 4 + 65537, 0x10000 + ctx.rng.below(0x100000), MAX_CHUNK_LENGTH]);
    return Buffer.concat([SNAPPY_IDENTIFIER, snappyChunk(type, ctx.rng.bytes(ctx.rng.below(64)), length)]);
  },
  // Valid chunks carrying a stream opening and data, then junk; one byte per segment now and then.
  (ctx) => {
    const writes = [smuxFrame(SMUX_SYN, 3), smuxFrame(SMUX_PSH, 3, ctx.rng.bytes(ctx.rng.below(3000)))];
    return Buffer.concat([snappyStream(writes), ctx.rng.bytes(ctx.rng.below(40))]);
  },
  // A valid compressed chunk with one byte of its block changed (the CRC no longer matches, or the block breaks).
  (ctx) => {
    const text = Buffer.from('kcptun '.repeat(ctx.rng.between(20, 400)));
    const chunk = snappyStream([text]);
    const i = 18 + ctx.rng.below(chunk.length - 18);
    chunk[i] ^= 1 + ctx.rng.below(255);
    return chunk;
  },
  // Random bytes after the identifier.
  (ctx) => Buffer.concat([SNAPPY_IDENTIFIER, ctx.rng.bytes(ctx.rng.between(1, 400))]),
];

function send(ctx: FuzzContext, s: ForgedSession, stream: Buffer): void {
  const maxSegment = ctx.rng.chance(0.2) ? 1 : ctx.rng.between(1, 1300);
  s.sendStream(stream, maxSegment, ctx.rng.chance(0.3));
}

/** Malformed snappy framing in a KCP stream that is otherwise in order, each case on a fresh forged session. */
export function snappyClass(): FuzzClass {
  return {
    name: 'snappy',
    summary:
      'no/bad identifier, bad CRCs, broken blocks, reserved and skippable types, huge and tiny lengths',
    input(ctx) {
      const s = ctx.freshSession();
      send(ctx, s, ctx.rng.pick(cases)(ctx));
    },
  };
}
