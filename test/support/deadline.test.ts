/**
 * The tests' waits end inside the tests' own timeouts, saying what they waited for (deadline.ts): the
 * bound itself, and the helpers that wait on log lines, on a condition and on the target.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { until, within } from './deadline.js';
import { LogLines } from './log-lines.js';

const NEVER = new Promise<never>(() => {});

test('within: the value in time, else what was not done and the context, or the failure and the context', {
  timeout: 10_000,
}, async () => {
  assert.equal(await within('a quick answer', 1000, Promise.resolve(42)), 42);
  await assert.rejects(
    within('the echo', 20, NEVER, () => 'server log: nothing'),
    /^Error: the echo: not within 20 ms\nserver log: nothing$/,
  );
  await assert.rejects(within('a failure', 1000, Promise.reject(new Error('refused'))), /^Error: refused$/);
  // a failure before the time is up says what the context says too (the processes' logs)
  await assert.rejects(
    within('a transfer', 1000, Promise.reject(new Error('cut short')), () => 'server log: reset'),
    /^Error: cut short\nserver log: reset$/,
  );
});

test('a log line that never comes fails naming the pattern, with the last lines', {
  timeout: 10_000,
}, async () => {
  const logs = new LogLines();
  logs.log('listening on: 127.0.0.1:1');
  assert.equal(await logs.waitFor(/listening/, 0, 20), 'listening on: 127.0.0.1:1');
  await assert.rejects(
    logs.waitFor(/stream opened/, 0, 20),
    /^Error: a line matching \/stream opened\/: not within 20 ms\nlast lines logged:\nlistening on: 127\.0\.0\.1:1$/,
  );
});

test('a condition that never holds fails quoting it, or saying what it waited for', {
  timeout: 10_000,
}, async () => {
  const ready = false;
  await until(() => !ready, { withinMs: 20 });
  await assert.rejects(
    until(() => ready, { everyMs: 5, withinMs: 20 }),
    /^Error: \(\) => ready: not within 20 ms$/,
  );
  await assert.rejects(
    until(() => ready, { what: 'the reply', withinMs: 20 }),
    /^Error: the reply: not within 20 ms$/,
  );
});
