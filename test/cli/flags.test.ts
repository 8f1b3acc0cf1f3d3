import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../src/cli/errors.js';
import { type FlagSpec, parseFlags } from '../../src/cli/flags.js';

const SPECS: FlagSpec[] = [
  { name: 'localaddr', aliases: ['l'], type: 'string' },
  { name: 'mode', aliases: [], type: 'string' },
  { name: 'mtu', aliases: [], type: 'int' },
  { name: 'datashard', aliases: ['ds'], type: 'int' },
  { name: 'nocomp', aliases: [], type: 'bool' },
  { name: 'QPP', aliases: [], type: 'bool' },
  { name: 'c', aliases: [], type: 'string' },
];

function values(argv: string[]): Record<string, unknown> {
  const parsed = parseFlags(argv, SPECS);
  assert.deepEqual(parsed.positional, []);
  return Object.fromEntries(parsed.values);
}

describe('parseFlags: Go flag syntax', () => {
  const cases: ReadonlyArray<[string[], Record<string, unknown>]> = [
    [['-mode', 'fast2'], { mode: 'fast2' }],
    [['--mode', 'fast2'], { mode: 'fast2' }],
    [['--mode=fast2'], { mode: 'fast2' }],
    [['-mode=fast2'], { mode: 'fast2' }],
    [['-mode='], { mode: '' }],
    [['-mode', '-x'], { mode: '-x' }],
    [['-mode=a=b'], { mode: 'a=b' }],
    [['-nocomp'], { nocomp: true }],
    [['--nocomp'], { nocomp: true }],
    [['-nocomp=false'], { nocomp: false }],
    [['-nocomp=0'], { nocomp: false }],
    [['-nocomp=T'], { nocomp: true }],
    [['-nocomp=FALSE'], { nocomp: false }],
    [['-mtu', '0x500'], { mtu: 1280 }],
    [['-mtu', '010'], { mtu: 8 }],
    [['-mtu', '+1350'], { mtu: 1350 }],
    [['-mtu=1_000'], { mtu: 1000 }],
    [['-mtu', '1', '-mtu', '2', '--mtu=3'], { mtu: 3 }],
    [['-l', ':1'], { localaddr: ':1' }],
    [['--localaddr', ':2'], { localaddr: ':2' }],
    [['--l=:3'], { localaddr: ':3' }],
    [['--ds', '4'], { datashard: 4 }],
    [['-datashard', '5'], { datashard: 5 }],
    [['-ds', '4', '-ds', '6'], { datashard: 6 }],
    [['-QPP', '-c', 'x.json'], { QPP: true, c: 'x.json' }],
  ];
  for (const [argv, expected] of cases) {
    it(argv.join(' '), () => assert.deepEqual(values(argv), expected));
  }
});

describe('parseFlags: where flags end', () => {
  it('a bool flag never takes the next argument, which then stops parsing', () => {
    const parsed = parseFlags(['-nocomp', 'false', '-mtu', '5'], SPECS);
    assert.equal(parsed.values.get('nocomp'), true);
    assert.equal(parsed.values.has('mtu'), false);
    assert.deepEqual(parsed.positional, ['false', '-mtu', '5']);
  });
  it('`--` ends the flags and is dropped', () => {
    const parsed = parseFlags(['-mtu', '5', '--', '-mtu', '6'], SPECS);
    assert.equal(parsed.values.get('mtu'), 5);
    assert.deepEqual(parsed.positional, ['-mtu', '6']);
  });
  it('a lone `-` is a positional argument', () => {
    assert.deepEqual(parseFlags(['-', '-mtu', '5'], SPECS).positional, ['-', '-mtu', '5']);
  });
  it('help and version are built in, with their short forms', () => {
    assert.equal(parseFlags(['-h'], SPECS).help, true);
    assert.equal(parseFlags(['--help'], SPECS).help, true);
    assert.equal(parseFlags(['-h=false'], SPECS).help, false);
    assert.equal(parseFlags(['-v'], SPECS).version, true);
    assert.equal(parseFlags(['--version'], SPECS).version, true);
    assert.equal(parseFlags(['-v'], SPECS).values.size, 0);
  });
});

describe('parseFlags: errors use Go wording', () => {
  const cases: ReadonlyArray<[string[], string]> = [
    [['-foo'], 'flag provided but not defined: -foo'],
    [['-qpp'], 'flag provided but not defined: -qpp'],
    [['-mtu'], 'flag needs an argument: -mtu'],
    [['-mtu', 'abc'], 'invalid value "abc" for flag -mtu: parse error'],
    [['-mtu', '1__0'], 'invalid value "1__0" for flag -mtu: parse error'],
    [['-mtu='], 'invalid value "" for flag -mtu: parse error'],
    [
      ['-mtu', '99999999999999999999'],
      'invalid value "99999999999999999999" for flag -mtu: value out of range',
    ],
    [['-nocomp=yes'], 'invalid boolean value "yes" for -nocomp: parse error'],
    [['---mtu', '5'], 'bad flag syntax: ---mtu'],
    [['-=x'], 'bad flag syntax: -=x'],
    [['-l', 'a', '-localaddr', 'b'], 'cannot use two forms of the same flag: -l and -localaddr'],
    [['-ds', '3', '-datashard', '4'], 'cannot use two forms of the same flag: -ds and -datashard'],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), () => {
      assert.throws(
        () => parseFlags(argv, SPECS),
        (err: unknown) => err instanceof CliError && err.message === message,
      );
    });
  }
});
