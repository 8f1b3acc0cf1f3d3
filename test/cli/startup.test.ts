import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientArgs } from '../../src/cli/args.js';
import { CliError } from '../../src/cli/errors.js';
import type { ClientConfig } from '../../src/cli/options.js';
import {
  autoSessionsPart,
  commonStartupLines,
  selectCrypt,
  sessionOptionsOf,
} from '../../src/cli/startup.js';
import { spawnOwnedSync } from '../support/owned.js';
import { OUR_SERVER } from '../support/procs.js';

function config(argv: string[]): ClientConfig {
  const r = parseClientArgs(argv, {});
  assert.equal(r.kind, 'run');
  if (r.kind !== 'run') throw new Error('unreachable');
  return r.config;
}

function sessionOptions(argv: string[]): unknown {
  const c = config(argv);
  return sessionOptionsOf(c, selectCrypt(c).crypt);
}

describe('-mtu: the smallest value leaves KCP its 50 bytes beside the cipher and FEC headers', () => {
  // [flags, smallest mtu]: aes has a 20-byte header (nonce 16 + crc 4), aes-128-gcm a 12-byte nonce and
  // a 16-byte tag, null nothing; FEC adds 8 bytes when both -ds and -ps are positive.
  const cases: [string[], number][] = [
    [['-crypt', 'aes'], 78],
    [['-crypt', 'aes', '-ds', '0', '-ps', '0'], 70],
    [['-crypt', 'aes-128-gcm'], 86],
    [['-crypt', 'null', '-ds', '0'], 50],
    [['-crypt', 'none'], 78],
  ];
  for (const [flags, min] of cases) {
    it(`${flags.join(' ')}: ${min}`, () => {
      assert.doesNotThrow(() => sessionOptions([...flags, '-mtu', String(min)]));
      assert.throws(
        () => sessionOptions([...flags, '-mtu', String(min - 1)]),
        (err: unknown) =>
          err instanceof CliError &&
          err.message.startsWith(`-mtu must be between ${min} and 1500 for -crypt `) &&
          err.message.endsWith(`, got ${min - 1}`),
      );
    });
  }
  it('a negative mtu is refused in flag terms', () => {
    assert.throws(() => sessionOptions(['-mtu', '-1']), /^CliError: -mtu must be between 78 and 1500/);
  });
  it('the server refuses a small -mtu with aes-128-gcm in flag terms, before anything starts', () => {
    const r = spawnOwnedSync(
      process.execPath,
      [OUR_SERVER, '-l', '127.0.0.1:1', '-crypt', 'aes-128-gcm', '-mtu', '60'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.equal(
      r.stderr.split('\n').at(-2),
      '-mtu must be between 86 and 1500 for -crypt aes-128-gcm with FEC (-datashard, -parityshard), got 60',
    );
  });
});

describe('the -mode auto start-up line', () => {
  const autoLine = (argv: string[], endParts: string[] = []): string | undefined =>
    commonStartupLines(config(argv), 'aes', endParts).find((l) => l.startsWith('mode auto'));

  it("lists the client's sessions after the parts both ends run", () => {
    const c = config(['-mode', 'auto']);
    assert.equal(
      autoLine(['-mode', 'auto'], [autoSessionsPart(c.conn)]),
      "mode auto (the default; sender-side, any kcptun peer; -mode fast for kcptun's): congestion control with pacing, thin streams and tails sent twice, automatic windows, adaptive parity count, new streams on the least loaded of 2 sessions",
    );
    assert.match(
      autoLine(['-mode', 'auto', '-conn', '1'], [autoSessionsPart(1)]) ?? '',
      /, one session \(-conn 1 given\)$/,
    );
    assert.match(autoLine(['-mode', 'auto']) ?? '', /adaptive parity count$/);
    assert.equal(autoLine(['-mode', 'fast3'], [autoSessionsPart(1)]), undefined);
  });
  it('is logged with no -mode given: auto is the default', () => {
    assert.match(autoLine([]) ?? '', /^mode auto \(the default;/);
    assert.equal(autoLine(['-mode', 'fast']), undefined);
  });
});
