import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { formatGoTime } from '../../src/metrics/go-time.js';
import { GO_TIME_CASES, GO_TIME_LAYOUTS } from './go-time-vectors.js';

/**
 * Zones whose tz database abbreviation (Go's `MST`) has letters where ICU's en-US names have only an offset:
 * there the `MST` token prints the numeric form instead (go-time.ts says why).
 */
const LETTER_ABBREVIATION_ZONES = new Set(['Europe/Paris', 'Europe/London', 'Asia/Kolkata']);
const savedTz = process.env.TZ;

function setTz(zone: string | undefined): void {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
}

describe('formatGoTime', () => {
  after(() => setTz(savedTz));

  for (const c of GO_TIME_CASES) {
    it(`matches Go in ${c.zone} at ${new Date(c.ms).toISOString()}`, () => {
      setTz(c.zone);
      const date = new Date(c.ms);
      GO_TIME_LAYOUTS.forEach((layout, i) => {
        if (LETTER_ABBREVIATION_ZONES.has(c.zone) && layout.includes('MST')) return;
        assert.equal(formatGoTime(layout, date), c.want[i], `layout ${JSON.stringify(layout)}`);
      });
    });
  }

  it('turns digits of a plain file name into tokens, as Go does', () => {
    setTz('UTC');
    assert.equal(formatGoTime('snmp1.log', new Date(Date.UTC(2024, 10, 3))), 'snmp11.log');
  });

  it('MST: the numeric form where ICU has no abbreviation (Go would read CST, CET, IST from tzdata)', () => {
    const winter = new Date(Date.UTC(2024, 0, 1));
    setTz('Asia/Shanghai');
    assert.equal(formatGoTime('MST', winter), '+08');
    setTz('Europe/Paris');
    assert.equal(formatGoTime('MST -0700', winter), '+01 +0100');
    setTz('Asia/Kolkata');
    assert.equal(formatGoTime('MST', winter), '+0530');
    setTz('America/Los_Angeles');
    assert.equal(formatGoTime('MST', winter), 'PST');
  });

  it('names UTC when TZ is empty', () => {
    setTz('');
    assert.equal(formatGoTime('MST Z07:00', new Date(Date.UTC(2024, 0, 1))), 'UTC Z');
  });
});
