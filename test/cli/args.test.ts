import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ParseResult, parseClientArgs, parseServerArgs } from '../../src/cli/args.js';
import { CliError } from '../../src/cli/errors.js';
import type { ClientConfig, ServerConfig } from '../../src/cli/options.js';

/** The repository's packaging/config (dist/test/cli -> ../../../packaging/config). */
const PACKAGING_CONFIG = fileURLToPath(new URL('../../../packaging/config/', import.meta.url));

function run<C>(result: ParseResult<C>): { config: C; warnings: readonly string[] } {
  assert.equal(result.kind, 'run');
  if (result.kind !== 'run') throw new Error('unreachable');
  return result;
}

const client = (argv: string[], env: NodeJS.ProcessEnv = {}): ClientConfig =>
  run(parseClientArgs(argv, env)).config;
const server = (argv: string[], env: NodeJS.ProcessEnv = {}): ServerConfig =>
  run(parseServerArgs(argv, env)).config;

function assertCliError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CliError, String(err));
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

describe('defaults of the latest kcptun', () => {
  it('client, -mode fast given', () => {
    assert.deepEqual(client(['-mode', 'fast']), {
      localAddr: ':12948',
      remoteAddr: 'vps:29900',
      key: "it's a secrect",
      crypt: 'aes',
      mode: 'fast',
      qpp: false,
      qppCount: 61,
      conn: 1,
      autoExpire: 0,
      scavengeTtl: 600,
      mtu: 1350,
      rateLimit: 0,
      sndWnd: 128,
      rcvWnd: 512,
      dataShard: 10,
      parityShard: 3,
      dscp: 0,
      noComp: false,
      ackNoDelay: false,
      // the fast preset, applied over -nodelay 0 -interval 50 -resend 0 -nc 0
      noDelay: 0,
      interval: 30,
      resend: 2,
      nc: 1,
      sockBuf: 4194304,
      smuxVer: 2,
      smuxBuf: 4194304,
      frameSize: 8192,
      streamBuf: 2097152,
      keepAlive: 10,
      closeWait: 0,
      snmpLog: '',
      snmpPeriod: 60,
      log: '',
      quiet: false,
      tcp: false,
      configFile: '',
      pprof: false,
      metrics: '',
      udp: false,
      udpTimeout: 60,
      workers: 1,
      auto: null,
    });
  });
  it('but -mode auto, with all its self-tuning parts, and its two sessions on the client', () => {
    const fast = client(['-mode', 'fast']);
    assert.deepEqual(client([]), {
      ...fast,
      mode: 'auto',
      conn: 2,
      // the auto preset, fast3's timers, over the same hidden defaults
      noDelay: 1,
      interval: 10,
      smuxBuf: 16 * 1024 * 1024,
      streamBuf: 16 * 1024 * 1024,
      auto: { congestion: true, windows: true, fec: true },
    });
    const defaults = server([]);
    assert.equal(defaults.mode, 'auto');
    assert.deepEqual(defaults.auto, { congestion: true, windows: true, fec: true });
    assert.equal(server(['-mode', 'fast']).auto, null);
  });
  it('server', () => {
    const config = server([]);
    assert.equal(config.listen, ':29900');
    assert.equal(config.target, '127.0.0.1:12948');
    assert.equal(config.sndWnd, 1024);
    assert.equal(config.rcvWnd, 1024);
    assert.equal(config.closeWait, 30);
    assert.equal(config.smuxVer, 2);
    assert.equal((config as unknown as Record<string, unknown>).conn, undefined);
  });
  it('manual mode exposes the hidden defaults', () => {
    const config = client(['-mode', 'manual']);
    assert.deepEqual([config.noDelay, config.interval, config.resend, config.nc], [0, 50, 0, 0]);
  });
});

describe('-udp and -udptimeout (kcptun-ts only)', () => {
  it('flags and JSON keys of both programs', () => {
    assert.equal(client(['-udp']).udp, true);
    assert.equal(server(['-udp', '-udptimeout', '5']).udpTimeout, 5);
    const dir = mkdtempSync(join(tmpdir(), 'udp-json-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, '{"udp": true, "udptimeout": 30}');
    const fromJson = server(['-c', file]);
    assert.deepEqual([fromJson.udp, fromJson.udpTimeout], [true, 30]);
    rmSync(dir, { recursive: true });
    const plugin = {
      SS_REMOTE_HOST: '127.0.0.1',
      SS_REMOTE_PORT: '8388',
      SS_LOCAL_HOST: '127.0.0.1',
      SS_LOCAL_PORT: '1080',
      SS_PLUGIN_OPTIONS: 'udptimeout=120',
    };
    assert.equal(client([], plugin).udpTimeout, 120);
    // shadowsocks never sends its UDP through a plugin: refused, with the way that works
    for (const parse of [client, server]) {
      assertCliError(
        () => parse([], { ...plugin, SS_PLUGIN_OPTIONS: 'udp' }),
        /udp cannot work in plugin mode: .*kcptun-server -udp/,
      );
    }
  });
  it('-udptimeout must be 1 s .. a day', () => {
    assertCliError(() => client(['-udptimeout', '0']), /-udptimeout must be between 1 and 86400, got 0/);
    assertCliError(() => server(['-udptimeout', '86401']), /-udptimeout/);
  });
});

describe('KCPTUN_KEY', () => {
  it('replaces the default key, even when empty', () => {
    assert.equal(client([], { KCPTUN_KEY: 'from-env' }).key, 'from-env');
    assert.equal(server([], { KCPTUN_KEY: '' }).key, '');
  });
  it('the command line and JSON still override it', () => {
    assert.equal(client(['-key', 'cli'], { KCPTUN_KEY: 'from-env' }).key, 'cli');
  });
});

describe('command line', () => {
  it('accepts every K21 flag spelling', () => {
    const config = client([
      ...[
        '-l',
        '127.0.0.1:1',
        '-r',
        'h:2',
        '-key',
        'k',
        '-crypt',
        'salsa20',
        '-mode',
        'manual',
        '-conn',
        '2',
      ],
      ...['-autoexpire', '60', '-scavengettl', '30', '-mtu', '1400', '-sndwnd', '256', '-rcvwnd', '1024'],
      ...[
        '-ds',
        '5',
        '-ps',
        '2',
        '-dscp',
        '46',
        '-nocomp',
        '-acknodelay',
        '-nodelay',
        '1',
        '-interval',
        '20',
      ],
      ...[
        '-resend',
        '2',
        '-nc',
        '1',
        '-sockbuf',
        '1024',
        '-smuxver',
        '1',
        '-smuxbuf',
        '8192',
        '-streambuf',
        '4096',
      ],
      ...['-keepalive', '5', '-snmplog', 's.log', '-snmpperiod', '10', '-log', 'k.log', '-quiet', '-tcp'],
    ]);
    assert.equal(config.localAddr, '127.0.0.1:1');
    assert.equal(config.remoteAddr, 'h:2');
    assert.equal(config.crypt, 'salsa20');
    assert.equal(config.conn, 2);
    assert.deepEqual([config.dataShard, config.parityShard, config.dscp], [5, 2, 46]);
    assert.deepEqual([config.noComp, config.ackNoDelay, config.quiet, config.tcp], [true, true, true, true]);
    assert.deepEqual([config.noDelay, config.interval, config.resend, config.nc], [1, 20, 2, 1]);
    assert.deepEqual(
      [config.smuxVer, config.smuxBuf, config.streamBuf, config.keepAlive],
      [1, 8192, 4096, 5],
    );
    assert.deepEqual([config.snmpLog, config.snmpPeriod, config.log], ['s.log', 10, 'k.log']);
    const srv = server(['-l', ':4000', '-t', '/run/x.sock', '-pprof']);
    assert.deepEqual([srv.listen, srv.target, srv.pprof], [':4000', '/run/x.sock', true]);
  });
  it('accepts the latest flags', () => {
    const config = client([
      '--QPP',
      '--QPPCount=31',
      '-ratelimit',
      '1048576',
      '-framesize',
      '4096',
      '-closewait',
      '5',
      '-pprof',
    ]);
    assert.deepEqual(
      [config.qpp, config.qppCount, config.rateLimit, config.frameSize, config.closeWait, config.pprof],
      [true, 31, 1048576, 4096, 5, true],
    );
  });
  it('mode presets beat manual values from the command line', () => {
    const config = client(['-mode', 'fast3', '-nodelay', '0', '-interval', '99', '-resend', '0', '-nc', '0']);
    assert.deepEqual([config.noDelay, config.interval, config.resend, config.nc], [1, 10, 2, 1]);
    const unknown = client(['-mode', 'warp', '-interval', '99']);
    assert.equal(unknown.interval, 99);
    assert.equal(unknown.mode, 'warp');
  });
  it('-mode auto gives the client two sessions unless -conn is given', () => {
    assert.equal(client(['-mode', 'auto']).conn, 2);
    assert.equal(client(['-mode', 'auto', '-conn', '1']).conn, 1);
    assert.equal(client(['-mode', 'auto', '-conn', '3']).conn, 3);
    assert.equal(client(['-mode', 'fast3']).conn, 1);
  });
  it('a stray argument is an error (`-nocomp false`)', () => {
    assertCliError(() => client(['-nocomp', 'false']), /unexpected argument "false"/);
    assertCliError(() => client(['--', '-mtu', '1400']), /unexpected argument "-mtu"/);
  });
  it('flag errors surface as CliError', () => {
    assertCliError(() => client(['-mtu', '1_0_']), /invalid value "1_0_" for flag -mtu: parse error/);
    assertCliError(() => client(['-listen', ':1']), /flag provided but not defined: -listen/);
    assertCliError(() => server(['-conn', '2']), /flag provided but not defined: -conn/);
  });
});

describe('help and version', () => {
  it('-h, --help, and the help command', () => {
    for (const argv of [['-h'], ['--help'], ['help'], ['h'], ['-mtu', '5', '-h'], ['-h', 'stray']]) {
      const result = parseClientArgs(argv, {});
      assert.equal(result.kind, 'help', argv.join(' '));
      if (result.kind === 'help') assert.match(result.text, /^NAME:\n {3}kcptun - client\(with SMUX\)\n/);
    }
    const result = parseServerArgs(['-h'], {});
    assert.equal(result.kind, 'help');
    if (result.kind === 'help') assert.match(result.text, /kcptun-server \[global options\]/);
  });
  it('-v prints the package version', () => {
    const result = parseServerArgs(['-v'], {});
    assert.deepEqual(result, { kind: 'version', text: 'kcptun version 0.1.0\n' });
    assert.equal(parseClientArgs(['--version'], {}).kind, 'version');
  });
  it('help wins over version; bad flags win over both', () => {
    assert.equal(parseClientArgs(['-v', '-h'], {}).kind, 'help');
    assertCliError(() => parseClientArgs(['-v', '-mtu'], {}), /flag needs an argument: -mtu/);
  });
  it('help is not validated', () => {
    assert.equal(parseClientArgs(['-conn', '0', '-h'], {}).kind, 'help');
  });
});

describe('validation', () => {
  const cases: ReadonlyArray<[string[], RegExp]> = [
    [['-keepalive', '31'], /-keepalive must be between 1 and 30/],
    [['-keepalive', '0'], /-keepalive/],
    [['-keepalive', '-5'], /-keepalive/],
    [['-conn', '0'], /conn must be greater than 0/],
    [['-conn', '65536'], /-conn/],
    [['-ds', '-1'], /-datashard must not be negative/],
    [['-ps', '-1'], /-parityshard must not be negative/],
    [['-ds', '200', '-ps', '57'], /-datashard \+ -parityshard must be at most 256, got 200\+57/],
    [['-sndwnd', '0'], /-sndwnd must be greater than 0/],
    [['-rcvwnd', '-1'], /-rcvwnd must be greater than 0/],
    [['-smuxver', '3'], /-smuxver: unsupported smux version 3/],
    [['-smuxver', '0'], /-smuxver/],
    [['-framesize', '0'], /-framesize must be between 1 and 65535/],
    [['-framesize', '65536'], /-framesize/],
    [['-smuxbuf', '0'], /-smuxbuf/],
    [['-smuxbuf', '2147483648'], /-smuxbuf/],
    [['-streambuf', '4194305'], /-streambuf must be between 1 and 4194304/],
    [['-streambuf', '0'], /-streambuf/],
    [['-dscp', '64'], /-dscp must be between 0 and 63/],
    [['-dscp', '-1'], /-dscp/],
    [['-snmpperiod', '-1'], /-snmpperiod must not be negative/],
    [['-QPP', '-QPPCount', '0'], /-QPPCount must be greater than 0 when QPP is enabled/],
    [['-QPP', '-QPPCount', '65536'], /-QPPCount/],
    [['-r', 'h:29999-29900'], /-remoteaddr: invalid port range/],
    [['-r', 'h:0'], /-remoteaddr: invalid port range/],
    [['-r', 'h:65536'], /-remoteaddr: invalid port range/],
    [['-r', 'h:1-70000'], /-remoteaddr: invalid port range/],
    [['-r', 'nohost'], /-remoteaddr: malformed address/],
    [['-r', 'h:80x'], /-remoteaddr: malformed address/],
  ];
  for (const [argv, pattern] of cases) {
    it(argv.join(' '), () => assertCliError(() => client(argv), pattern));
  }
  it('server -listen is checked the same way', () => {
    assertCliError(() => server(['-l', ':0']), /-listen: invalid port range/);
    assert.equal(server(['-l', '[::1]:29900-29999']).listen, '[::1]:29900-29999');
  });
  it('edge values that are allowed', () => {
    const config = client([
      '-keepalive',
      '30',
      '-mtu',
      '86',
      '-ds',
      '0',
      '-ps',
      '0',
      '-dscp',
      '63',
      '-framesize',
      '65535',
    ]);
    assert.deepEqual([config.keepAlive, config.mtu, config.dataShard, config.dscp], [30, 86, 0, 63]);
    assert.equal(
      client(['-ds', '128', '-ps', '128']).parityShard,
      128,
      'klauspost/reedsolomon takes 256 shards',
    );
    assert.equal(client(['-streambuf', '4194304']).streamBuf, 4194304);
    assert.equal(client(['-QPPCount', '0']).qppCount, 0, 'QPPCount is only checked with -QPP');
    assert.equal(client(['-r', '[2001:db8::1]:1-65535']).remoteAddr, '[2001:db8::1]:1-65535');
  });
  it('adjustments kcptun makes, with warnings', () => {
    const mtu = run(parseClientArgs(['-mtu', '9000'], {}));
    assert.equal(mtu.config.mtu, 1500);
    assert.deepEqual(mtu.warnings, ['mtu 9000 is larger than 1500, clamped to 1500']);
    const rate = run(parseServerArgs(['-ratelimit', '-5'], {}));
    assert.equal(rate.config.rateLimit, 0);
    assert.deepEqual(rate.warnings, ['ratelimit -5 is negative, falling back to 0']);
  });
  it('an unknown -mode runs as manual, as in kcptun, and says so', () => {
    const typo = run(parseClientArgs(['-mode', 'fast4', '-interval', '15'], {}));
    assert.equal(typo.config.interval, 15);
    assert.match(typo.warnings[0] ?? '', /^mode fast4 is not a profile \(.*fast3.*\): running as manual/);
    assert.deepEqual(run(parseServerArgs(['-mode', 'manual'], {})).warnings, []);
    assert.deepEqual(run(parseServerArgs(['-mode', 'auto'], {})).warnings, []);
  });
  it('QPP and scavenger warnings', () => {
    const qpp = run(parseClientArgs(['-QPP', '-QPPCount', '4'], {}));
    assert.deepEqual(qpp.warnings, [
      "QPP Warning: 'key' has size of 14 bytes, required 211 bytes at least",
      'QPP Warning: QPPCount 4, required 7 at least',
      'QPP Warning: QPPCount 4, choose a prime number for security',
    ]);
    assert.deepEqual(run(parseClientArgs(['-QPP', '-key', 'x'.repeat(211)], {})).warnings, []);
    const scavenger = run(parseClientArgs(['-autoexpire', '60', '-scavengettl', '600'], {}));
    assert.match(scavenger.warnings[0] ?? '', /scavengettl is bigger than autoexpire/);
    assert.deepEqual(run(parseClientArgs([], {})).warnings, []);
  });
});

describe('JSON config through the entry point', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcptun-args-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('is applied after the command line and before the mode preset', () => {
    const path = file('a.json', '{"Mode":"manual","Interval":15,"NoDelay":1,"MTU":1200}');
    const config = client(['-c', path, '-mtu', '1000', '-interval', '40', '-crypt', 'none']);
    assert.equal(config.mtu, 1200);
    assert.equal(config.crypt, 'none');
    assert.deepEqual([config.mode, config.noDelay, config.interval, config.resend], ['manual', 1, 15, 0]);
    assert.equal(config.configFile, path);
  });
  it('the mode preset beats JSON manual values', () => {
    const path = file('b.json', '{"mode":"fast2","interval":99}');
    assert.equal(client(['-c', path]).interval, 20);
  });
  it('a JSON conn is a given -conn for -mode auto', () => {
    assert.equal(client(['-c', file('f.json', '{"mode":"auto","conn":1}')]).conn, 1);
    assert.equal(client(['-c', file('g.json', '{"mode":"auto"}')]).conn, 2);
  });
  it('JSON values are validated too', () => {
    assertCliError(() => client(['-c', file('c.json', '{"keepalive":60}')]), /-keepalive/);
  });
  it('errors name the file', () => {
    assertCliError(() => client(['-c', file('d.json', '{"mtu":1.5}')]), /d\.json: key "mtu"/);
    assertCliError(() => client(['-c', file('e.json', '{')]), /e\.json: invalid JSON/);
    assertCliError(() => client(['-c', join(dir, 'nope.json')]), /nope\.json: cannot read/);
  });
  it('the dist example configs load', () => {
    const local = file(
      'local.json',
      '{"localaddr":":3000","remoteaddr":"127.0.0.1:29900-29999","key":"PASSWORD","crypt":"aes-128","qpp":true,"qpp-count":61,"mode":"fast3","mtu":1400,"ratelimit":1048576,"sndwnd":128,"rcvwnd":1024,"datashard":10,"parityshard":3,"dscp":46,"nocomp":true,"acknodelay":false,"nodelay":1,"interval":40,"resend":2,"nc":1,"sockbuf":16777217,"smuxver":2,"smuxbuf":16777217,"streambuf":2097152,"keepalive":10,"autoexpire":300,"quiet":false,"tcp":false}',
    );
    const config = client(['-c', local]);
    assert.deepEqual([config.qpp, config.qppCount, config.interval, config.autoExpire], [true, 61, 10, 300]);
  });
  it("packaging/'s example configs load and leave every part of -mode auto to it", () => {
    // They are the "recommended settings" the README points to: a window, shard or conn key there would
    // replace what auto chooses (they did, with fast2 and windows 1024, until auto became the default).
    const packaged = (name: string): string => join(PACKAGING_CONFIG, name);
    const all = { congestion: true, windows: true, fec: true };
    const c = client(['-c', packaged('client.json')]);
    assert.deepEqual([c.mode, c.auto, c.conn], ['auto', all, 2]);
    const s = server(['-c', packaged('server.json')]);
    assert.deepEqual([s.mode, s.auto], ['auto', all]);
  });
});
