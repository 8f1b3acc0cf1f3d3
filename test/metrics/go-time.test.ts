import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { formatGoTime } from '../../src/metrics/go-time.js';
import { GO_TIME_CASES, GO_TIME_LAYOUTS } from './go-time-vectors.js';

/** Zone names (the MST token) come from the system tz database, as in Go. */
const HAS_TZDATA = existsSync('/usr/share/zoneinfo/Europe/Paris');
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
        if (!HAS_TZDATA && layout.includes('MST')) return;
        assert.equal(formatGoTime(layout, date), c.want[i], `layout ${JSON.stringify(layout)}`);
      });
    });
  }

  it('turns digits of a plain file name into tokens, as Go does', () => {
    setTz('UTC');
    assert.equal(formatGoTime('snmp1.log', new Date(Date.UTC(2024, 10, 3))), 'snmp11.log');
  });

  it('reads the zone name from the tz database where ICU only knows an offset', { skip: !HAS_TZDATA }, () => {
    setTz('Asia/Shanghai');
    assert.equal(formatGoTime('MST', new Date(Date.UTC(2024, 0, 1))), 'CST');
    setTz(':Asia/Tokyo');
    assert.equal(formatGoTime('MST -0700', new Date(Date.UTC(2024, 0, 1))), 'JST +0900');
  });

  it('names UTC when TZ is empty', () => {
    setTz('');
    assert.equal(formatGoTime('MST Z07:00', new Date(Date.UTC(2024, 0, 1))), 'UTC Z');
  });
});
