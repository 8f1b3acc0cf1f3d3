import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliError } from '../../src/cli/errors.js';
import { createLogger, formatLogLine } from '../../src/cli/log.js';
import { spawnOwnedSync } from '../support/owned.js';

// Local time, month index 0 = January.
const AT = new Date(2026, 0, 5, 7, 8, 9);

describe('Go log line format', () => {
  it('YYYY/MM/DD HH:MM:SS message, zero padded, local time', () => {
    assert.equal(
      formatLogLine(AT, 'listening on: [::]:12948'),
      '2026/01/05 07:08:09 listening on: [::]:12948\n',
    );
  });
  it('adds a newline only when missing', () => {
    assert.equal(formatLogLine(AT, 'x\n'), '2026/01/05 07:08:09 x\n');
    assert.equal(formatLogLine(AT, ''), '2026/01/05 07:08:09 \n');
  });
  it('lines within one second share a stamp; the next second, or a clock set back, gets its own', () => {
    const at = (ms: number) => new Date(AT.getTime() + ms);
    assert.equal(formatLogLine(at(999), 'a'), '2026/01/05 07:08:09 a\n');
    assert.equal(formatLogLine(at(1000), 'b'), '2026/01/05 07:08:10 b\n');
    assert.equal(formatLogLine(at(1999), 'c'), '2026/01/05 07:08:10 c\n');
    assert.equal(formatLogLine(at(-1), 'd'), '2026/01/05 07:08:08 d\n');
    assert.equal(formatLogLine(at(86_400_000), 'e'), '2026/01/06 07:08:09 e\n');
  });
});

describe('createLogger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcptun-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes to the given stderr by default', () => {
    const written: string[] = [];
    const logger = createLogger({ clock: () => AT, stderr: { write: (s) => written.push(s) } });
    logger.info('version: 0.1.0');
    logger.close();
    assert.deepEqual(written, ['2026/01/05 07:08:09 version: 0.1.0\n']);
  });
  it('appends to the -log file', () => {
    const path = join(dir, 'kcptun.log');
    writeFileSync(path, 'old line\n');
    const logger = createLogger({ file: path, clock: () => AT });
    logger.info('a');
    logger.info('b');
    logger.close();
    logger.info('after close is dropped');
    assert.equal(readFileSync(path, 'utf8'), 'old line\n2026/01/05 07:08:09 a\n2026/01/05 07:08:09 b\n');
  });
  it('the lines logged until the deferred flush go out in one write, in order', () => {
    const written: string[] = [];
    const deferred: (() => void)[] = [];
    const logger = createLogger({
      clock: () => AT,
      stderr: { write: (s) => written.push(s) },
      defer: (flush) => deferred.push(flush),
    });
    logger.info('stream opened 1');
    logger.info('stream opened 2');
    assert.deepEqual(written, []);
    assert.equal(deferred.length, 1, 'one flush is deferred for the whole batch');
    deferred[0]();
    logger.info('stream closed 1');
    assert.deepEqual(written, ['2026/01/05 07:08:09 stream opened 1\n2026/01/05 07:08:09 stream opened 2\n']);
    logger.close();
    assert.equal(written[1], '2026/01/05 07:08:09 stream closed 1\n');
  });
  it('a batch that has grown past 64 KiB is written at once, without waiting for its flush', () => {
    const written: string[] = [];
    const logger = createLogger({
      clock: () => AT,
      stderr: { write: (s) => written.push(s) },
      defer: () => {},
    });
    const message = 'x'.repeat(1000);
    let lines = 0;
    while (written.length === 0 && lines < 1000) {
      logger.info(message);
      lines++;
    }
    const lineLength = formatLogLine(AT, message).length;
    assert.equal(lines, Math.ceil((64 * 1024) / lineLength));
    assert.equal(written[0], formatLogLine(AT, message).repeat(lines));
    logger.close();
  });
  it('a line logged just before a fatal exception is still written', () => {
    const logModule = fileURLToPath(new URL('../../src/cli/log.js', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(logModule)};
      createLogger().info('last words'); throw new Error('fatal');`;
    const child = spawnOwnedSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(child.status, 1);
    assert.match(child.stderr, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d last words$/m);
  });
  it('an unopenable file is a CliError naming it', () => {
    const path = join(dir, 'no', 'such', 'dir.log');
    assert.throws(
      () => createLogger({ file: path }),
      (err: unknown) => err instanceof CliError && err.message.includes(path),
    );
  });
});
