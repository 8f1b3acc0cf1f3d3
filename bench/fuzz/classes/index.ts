import { fecClass } from './fec.js';
import { floodClass } from './flood.js';
import type { FuzzClass } from './fuzz-class.js';
import { kcpClass } from './kcp.js';
import { bitFlipClass, spliceClass, truncationClass } from './mutation.js';
import { randomBytesClass } from './random.js';
import { replayClass } from './replay.js';
import { smuxClass } from './smux.js';
import { snappyClass } from './snappy.js';

export type { FuzzClass } from './fuzz-class.js';

/** Every class, in the order a run goes through them. Fresh instances: some keep a position (random's length). */
export function allClasses(): FuzzClass[] {
  return [
    randomBytesClass(),
    truncationClass(),
    bitFlipClass(),
    spliceClass(),
    replayClass(),
    fecClass(),
    kcpClass(),
    snappyClass(),
    smuxClass(),
    floodClass(),
  ];
}

export const CLASS_NAMES: readonly string[] = allClasses().map((c) => c.name);
