/** Event-loop turns `untilTurn` waits at most: far more than loopback sockets need to settle. */
const MAX_TURNS = 200_000;

/**
 * Resolve once `done()` holds, checked once per event-loop turn (I/O included); no clock involved, so a
 * condition that never holds fails after MAX_TURNS turns however slow the machine is.
 */
export async function untilTurn(what: string, done: () => boolean): Promise<void> {
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    if (done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`${what}: not after ${MAX_TURNS} event-loop turns`);
}
