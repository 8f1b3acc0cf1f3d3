/**
 * Batched sends leave at the end of the callback that queued them: the scheduler's timer and end-of-turn
 * flush and the batched receive call flushOutbox when they finish, so a KCP flush of many segments is one
 * system call. A send queued anywhere else is covered by one setImmediate.
 */

/** A socket's batch of queued datagrams. */
export interface Flushable {
  flush(): void;
}

let dirty: Flushable[] = [];
let spare: Flushable[] = [];
let immediateArmed = false;

function onImmediate(): void {
  immediateArmed = false;
  flushOutbox();
}

/** Ask for `f.flush()` at the end of the current callback. Call once until it has run. */
export function queueFlush(f: Flushable): void {
  dirty.push(f);
  if (!immediateArmed) {
    immediateArmed = true;
    setImmediate(onImmediate);
  }
}

/** Send every queued batch now. */
export function flushOutbox(): void {
  while (dirty.length > 0) {
    // A flush may queue again (a send from within it): swap lists so the loop sees those too.
    const batch = dirty;
    dirty = spare;
    spare = batch;
    for (let i = 0; i < batch.length; i++) batch[i].flush();
    batch.length = 0;
  }
}
