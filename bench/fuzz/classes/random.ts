import { MAX_DATAGRAM, OUTER_HEADER, sealNone } from '../wire.js';
import type { FuzzClass } from './fuzz-class.js';

/** Lengths go through 0..2000 in turn, so a run of 2001 inputs has tried every one. */
const MAX_LENGTH = 2000;

/**
 * Random bytes of every length 0..2000: from the fuzzer's addresses, on the live session's path, and a
 * quarter behind a valid outer header (so they reach the FEC/KCP demultiplexer instead of failing the CRC).
 */
export function randomBytesClass(): FuzzClass {
  let length = 0;
  return {
    name: 'random',
    summary: 'random bytes of every length 0-2000 (a quarter behind a valid nonce+CRC)',
    input(ctx) {
      const n = length;
      length = length === MAX_LENGTH ? 0 : length + 1;
      const route = ctx.rng.below(4);
      if (route === 0 && n >= OUTER_HEADER && n <= MAX_DATAGRAM) {
        ctx.sendAnywhere(sealNone(ctx.rng.bytes(n - OUTER_HEADER), ctx.rng));
      } else if (route === 1) {
        ctx.injectLive(ctx.rng.bytes(n));
      } else {
        ctx.sendAnywhere(ctx.rng.bytes(n));
      }
    },
  };
}
