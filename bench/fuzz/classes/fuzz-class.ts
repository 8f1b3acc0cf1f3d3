import type { FuzzContext } from '../context.js';

/** One class of hostile input. `input` sends one input: a datagram, or the few that make up one case. */
export interface FuzzClass {
  readonly name: string;
  readonly summary: string;
  input(ctx: FuzzContext): void | Promise<void>;
}
