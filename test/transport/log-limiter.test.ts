import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogLimiter } from '../../src/transport/log-limiter.js';

function harness(options: { intervalMs?: number; maxKeys?: number } = {}) {
  const lines: string[] = [];
  let clock = 0;
  const limiter = new LogLimiter((line) => lines.push(line), { ...options, now: () => clock });
  return {
    lines,
    limiter,
    advance(ms: number) {
      clock += ms;
    },
  };
}

describe('LogLimiter', () => {
  test('one line per cause per peer per interval, with the held-back count on the next line', () => {
    const h = harness({ intervalMs: 60_000 });
    for (let i = 0; i < 5; i++) h.limiter.report('csum', '1.2.3.4:5', () => 'bad checksum');
    assert.deepEqual(h.lines, ['bad checksum']);
    h.advance(59_999);
    assert.equal(
      h.limiter.report('csum', '1.2.3.4:5', () => 'bad checksum'),
      false,
    );
    h.advance(1);
    assert.equal(
      h.limiter.report('csum', '1.2.3.4:5', () => 'bad checksum'),
      true,
    );
    assert.deepEqual(h.lines, ['bad checksum', 'bad checksum (5 more since the last such line)']);
  });

  test('reportCount: the line states the count since the last line and the time it covers', () => {
    const h = harness({ intervalMs: 60_000 });
    const say = (count: number, sinceMs: number) => `${count} in ${sinceMs}`;
    h.limiter.reportCount('csum', 7, say);
    for (let i = 0; i < 4; i++) h.limiter.reportCount('csum', 7, say);
    h.advance(61_000);
    assert.equal(h.limiter.reportCount('csum', 7, say), true);
    h.limiter.reportCount('csum', 8, say);
    assert.deepEqual(h.lines, ['1 in -1', '5 in 61000', '1 in -1']);
  });

  test('holds: an occurrence within the interval is held and counted on the next line; false when a line is due', () => {
    const h = harness({ intervalMs: 60_000 });
    const say = (count: number, sinceMs: number) => `${count} in ${sinceMs}`;
    assert.equal(h.limiter.holds('csum', 7), false, 'nothing written yet');
    h.limiter.reportCount('csum', 7, say);
    for (let i = 0; i < 3; i++) assert.equal(h.limiter.holds('csum', 7), true);
    assert.equal(h.limiter.holds('csum', 8), false, 'another peer');
    assert.equal(h.limiter.holds('smux', 7), false, 'another cause');
    h.advance(60_000);
    assert.equal(h.limiter.holds('csum', 7), false, 'a line is due');
    assert.equal(h.limiter.reportCount('csum', 7, say), true);
    // the line replaced the key's entry: holding now counts on the new one
    assert.equal(h.limiter.holds('csum', 7), true);
    h.advance(60_000);
    h.limiter.reportCount('csum', 7, say);
    assert.deepEqual(h.lines, ['1 in -1', '4 in 60000', '2 in 60000']);
  });

  test('causes and peers are independent', () => {
    const h = harness();
    h.limiter.report('csum', 'a', () => 'a csum');
    h.limiter.report('csum', 'b', () => 'b csum');
    h.limiter.report('smux', 'a', () => 'a smux');
    h.limiter.report('csum', 'a', () => 'a csum again');
    assert.deepEqual(h.lines, ['a csum', 'b csum', 'a smux']);
  });

  test('a held-back occurrence does not build its message', () => {
    const h = harness();
    let built = 0;
    const message = () => {
      built++;
      return 'x';
    };
    for (let i = 0; i < 100; i++) h.limiter.report('c', 'p', message);
    assert.equal(built, 1);
  });

  test('the key table stays bounded under a flood of peers', () => {
    const h = harness({ maxKeys: 16 });
    for (let i = 0; i < 1000; i++) h.limiter.report('flood', `10.0.0.${i}:1`, () => `peer ${i}`);
    assert.equal(h.lines.length, 1000);
    assert.ok(h.limiter.size <= 16);
    h.advance(60_000);
    h.limiter.report('flood', 'late', () => 'late');
    assert.ok(h.limiter.size <= 16);
  });
});
