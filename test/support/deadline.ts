/**
 * Bounds on a test's waits, so that a wait that never ends fails the test with what it waited for (and, where
 * given, the processes' logs) before the test's own timeout cuts it off with "test timed out" alone: CI's run
 * of session 21 ended that way after 90 s (docs/test-flakes-2026-12-06.md).
 */

/** A wait for an event that should come at once: inside the tests' own timeouts (20 s and up). */
export const WAIT_MS = 15_000;

/**
 * `work`, or a rejection after `ms` saying `what` was not done, followed by `context()` (e.g. the logs of
 * the processes involved, read when the time is up). A rejection of `work` itself gets `context()` too: a
 * transfer cut short fails at once, and its processes' logs are what says why (workers.test's one
 * truncated exchange in CI had nothing else).
 */
export function within<T>(
  what: string,
  ms: number,
  work: Promise<T>,
  context: () => string = () => '',
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const more = context();
      reject(new Error(`${what}: not within ${ms} ms${more === '' ? '' : `\n${more}`}`));
    }, ms);
  });
  const failed = work.catch((err: unknown) => {
    const more = context();
    if (more !== '' && err instanceof Error) err.message = `${err.message}\n${more}`;
    throw err;
  });
  return Promise.race([failed, late]).finally(() => clearTimeout(timer));
}

/** How often `until` checks its condition by default. */
const POLL_MS = 20;

/**
 * Resolves once `condition()` holds, checked every `everyMs` (a poll, not a sleep); fails saying `what` (by
 * default the condition's own source) if it does not hold within `withinMs`.
 */
export async function until(
  condition: () => boolean,
  options: { what?: string; withinMs?: number; everyMs?: number } = {},
): Promise<void> {
  const { what = String(condition), withinMs = WAIT_MS, everyMs = POLL_MS } = options;
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
