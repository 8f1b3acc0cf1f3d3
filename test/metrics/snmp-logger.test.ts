import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Snmp } from '../../src/metrics/snmp.js';
import { snmpHeader } from '../../src/metrics/snmp-format.js';
import { SnmpLogger, snmpLogFileName, writeSnmpRecord } from '../../src/metrics/snmp-logger.js';
import { until } from '../support/deadline.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kcptun-snmp-'));
const HEADER_LINE = `Unix,${snmpHeader().join(',')}`;
const savedTz = process.env.TZ;

describe('snmplog', () => {
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('formats only the file-name part as a Go time layout', () => {
    process.env.TZ = 'UTC';
    const date = new Date(Date.UTC(2024, 2, 5, 14, 7, 9));
    assert.equal(snmpLogFileName('/var/log/2006/snmp-20060102.log', date), '/var/log/2006/snmp-20240305.log');
    assert.equal(snmpLogFileName('snmp-15.csv', date), 'snmp-14.csv');
  });

  it('writes the header once, then one row per record', () => {
    const file = path.join(dir, 'direct.csv');
    const snmp = new Snmp();
    snmp.BytesSent = 7;
    writeSnmpRecord(file, snmp, new Date(1_700_000_000_999));
    snmp.FECFullShardSet = 3;
    writeSnmpRecord(file, snmp, new Date(1_700_000_060_000));
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[3], '');
    assert.equal(lines[0], HEADER_LINE);
    assert.equal(lines[1], `1700000000,7,${Array(29).fill(0).join(',')}`);
    assert.equal(lines[2].split(',')[0], '1700000060');
    assert.equal(lines[2].split(',')[21], '3', 'FECFullShards is column 21 after Unix');
    assert.equal(lines[2].split(',').length, 31);
  });

  it('logs a row after each period into the time-formatted file, header first', async () => {
    const snmp = new Snmp();
    snmp.OutPkts = 42;
    const logger = new SnmpLogger(path.join(dir, 'snmp-20060102.log'), 0.2, snmp, (m) => assert.fail(m));
    assert.equal(logger.enabled, true);
    logger.start();
    const started = Date.now();
    const files = (): string[] => readdirSync(dir).filter((f) => f.startsWith('snmp-'));
    try {
      await until(
        () =>
          files().length === 1 && readFileSync(path.join(dir, files()[0]), 'utf8').split('\n').length >= 4,
      );
    } finally {
      logger.stop();
    }
    assert.ok(Date.now() - started >= 350, 'two rows take two periods');
    assert.match(files()[0], /^snmp-\d{8}\.log$/);
    const lines = readFileSync(path.join(dir, files()[0]), 'utf8').trimEnd().split('\n');
    assert.equal(lines.filter((l) => l.startsWith('Unix,')).length, 1);
    assert.equal(lines[0], HEADER_LINE);
    for (const row of lines.slice(1)) {
      const cells = row.split(',');
      assert.equal(cells.length, 31);
      assert.ok(Math.abs(Number(cells[0]) - Date.now() / 1000) < 10);
      assert.equal(cells[11], '42', 'OutPkts');
    }
  });

  it('logs a failed write and keeps trying', async () => {
    const messages: string[] = [];
    const logger = new SnmpLogger(path.join(dir, 'missing', 'snmp.csv'), 0.05, new Snmp(), (m) =>
      messages.push(m),
    );
    logger.start();
    try {
      await until(() => messages.length >= 2);
    } finally {
      logger.stop();
    }
    assert.match(messages[0], /^snmp logger: .*ENOENT/);
  });

  it('is disabled by an empty path or a period <= 0', () => {
    for (const [file, period] of [
      ['', 1],
      [path.join(dir, 'never.csv'), 0],
      [path.join(dir, 'never.csv'), -1],
    ] as const) {
      const logger = new SnmpLogger(file, period, new Snmp(), () => {});
      assert.equal(logger.enabled, false);
      logger.start();
      logger.stop();
    }
    assert.equal(existsSync(path.join(dir, 'never.csv')), false);
  });
});
