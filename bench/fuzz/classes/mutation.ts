import type { FuzzContext } from '../context.js';
import type { Rng } from '../rng.js';
import { fixCrc } from '../wire.js';
import { capturedPacket, convOf, sendAsOwnSession } from './corpus.js';
import type { FuzzClass } from './fuzz-class.js';

/** Bytes of the headers (nonce, CRC, FEC, first KCP segment): where a flip is most interesting. */
const HEADER_REGION = 52;
const MAX_FLIPS = 8;

/**
 * A mutation of a captured packet. A quarter go down the live session's path with their CRC left broken,
 * where the server must drop them. The rest go out from a fuzzer address whose server session has the
 * packet's conv, half of them with the CRC fixed (anyone can, with -crypt none), so that they reach the
 * FEC and KCP layers.
 */
function mutationClass(
  name: string,
  summary: string,
  mutate: (p: Buffer, ctx: FuzzContext, live: boolean) => Buffer,
): FuzzClass {
  return {
    name,
    summary,
    input(ctx) {
      const live = ctx.rng.chance(0.25);
      const original = capturedPacket(ctx, live);
      if (original === null) return;
      const conv = convOf(original);
      const mutant = mutate(original, ctx, live);
      if (live) {
        ctx.injectLive(mutant);
        return;
      }
      if (ctx.rng.chance(0.5)) fixCrc(mutant);
      sendAsOwnSession(ctx, mutant, conv);
    },
  };
}

export function truncationClass(): FuzzClass {
  return mutationClass('truncate', 'captured packets cut to a random length', (p, ctx) =>
    p.subarray(0, ctx.rng.below(p.length)),
  );
}

function flipBits(p: Buffer, rng: Rng): Buffer {
  const flips = rng.between(1, MAX_FLIPS);
  for (let i = 0; i < flips; i++) {
    const region = rng.chance(0.5) ? Math.min(HEADER_REGION, p.length) : p.length;
    if (region === 0) break;
    p[rng.below(region)] ^= 1 << rng.below(8);
  }
  return p;
}

export function bitFlipClass(): FuzzClass {
  return mutationClass('bitflip', 'captured packets with 1-8 bits flipped (half in the headers)', (p, ctx) =>
    flipBits(p, ctx.rng),
  );
}

export function spliceClass(): FuzzClass {
  return mutationClass(
    'splice',
    'the head of one captured packet joined to the tail of another',
    (p, ctx, live) => {
      const other = capturedPacket(ctx, live) ?? p;
      const head = p.subarray(0, ctx.rng.between(0, p.length));
      const tail = other.subarray(ctx.rng.between(0, other.length));
      return Buffer.concat([head, tail]);
    },
  );
}
