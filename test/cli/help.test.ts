import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHelp, renderVersion } from '../../src/cli/help.js';
import { CLIENT_OPTIONS, type OptionSpec, SERVER_OPTIONS } from '../../src/cli/options.js';

// Verbatim `kcptun-client -h` and `kcptun-server -h` of Debian's K21 (v20210922) binaries.
const K21_CLIENT_HELP = `NAME:
   kcptun - client(with SMUX)

USAGE:
   kcptun-client [global options] command [command options] [arguments...]

VERSION:
   SELFBUILD

COMMANDS:
   help, h  Shows a list of commands or help for one command

GLOBAL OPTIONS:
   --localaddr value, -l value      local listen address (default: ":12948")
   --remoteaddr value, -r value     kcp server address (default: "vps:29900")
   --key value                      pre-shared secret between client and server (default: "it's a secrect") [$KCPTUN_KEY]
   --crypt value                    aes, aes-128, aes-192, salsa20, blowfish, twofish, cast5, 3des, tea, xtea, xor, sm4, none (default: "aes")
   --mode value                     profiles: fast3, fast2, fast, normal, manual (default: "fast")
   --conn value                     set num of UDP connections to server (default: 1)
   --autoexpire value               set auto expiration time(in seconds) for a single UDP connection, 0 to disable (default: 0)
   --scavengettl value              set how long an expired connection can live (in seconds) (default: 600)
   --mtu value                      set maximum transmission unit for UDP packets (default: 1350)
   --sndwnd value                   set send window size(num of packets) (default: 128)
   --rcvwnd value                   set receive window size(num of packets) (default: 512)
   --datashard value, --ds value    set reed-solomon erasure coding - datashard (default: 10)
   --parityshard value, --ps value  set reed-solomon erasure coding - parityshard (default: 3)
   --dscp value                     set DSCP(6bit) (default: 0)
   --nocomp                         disable compression
   --sockbuf value                  per-socket buffer in bytes (default: 4194304)
   --smuxver value                  specify smux version, available 1,2 (default: 1)
   --smuxbuf value                  the overall de-mux buffer in bytes (default: 4194304)
   --streambuf value                per stream receive buffer in bytes, smux v2+ (default: 2097152)
   --keepalive value                seconds between heartbeats (default: 10)
   --snmplog value                  collect snmp to file, aware of timeformat in golang, like: ./snmp-20060102.log
   --snmpperiod value               snmp collect period, in seconds (default: 60)
   --log value                      specify a log file to output, default goes to stderr
   --quiet                          to suppress the 'stream open/close' messages
   --tcp                            to emulate a TCP connection(linux)
   -c value                         config from json file, which will override the command from shell
   --help, -h                       show help
   --version, -v                    print the version
`;

const K21_SERVER_HELP = `NAME:
   kcptun - server(with SMUX)

USAGE:
   kcptun-server [global options] command [command options] [arguments...]

VERSION:
   SELFBUILD

COMMANDS:
   help, h  Shows a list of commands or help for one command

GLOBAL OPTIONS:
   --listen value, -l value         kcp server listen address (default: ":29900")
   --target value, -t value         target server address, or path/to/unix_socket (default: "127.0.0.1:12948")
   --key value                      pre-shared secret between client and server (default: "it's a secrect") [$KCPTUN_KEY]
   --crypt value                    aes, aes-128, aes-192, salsa20, blowfish, twofish, cast5, 3des, tea, xtea, xor, sm4, none (default: "aes")
   --mode value                     profiles: fast3, fast2, fast, normal, manual (default: "fast")
   --mtu value                      set maximum transmission unit for UDP packets (default: 1350)
   --sndwnd value                   set send window size(num of packets) (default: 1024)
   --rcvwnd value                   set receive window size(num of packets) (default: 1024)
   --datashard value, --ds value    set reed-solomon erasure coding - datashard (default: 10)
   --parityshard value, --ps value  set reed-solomon erasure coding - parityshard (default: 3)
   --dscp value                     set DSCP(6bit) (default: 0)
   --nocomp                         disable compression
   --sockbuf value                  per-socket buffer in bytes (default: 4194304)
   --smuxver value                  specify smux version, available 1,2 (default: 1)
   --smuxbuf value                  the overall de-mux buffer in bytes (default: 4194304)
   --streambuf value                per stream receive buffer in bytes, smux v2+ (default: 2097152)
   --keepalive value                seconds between heartbeats (default: 10)
   --snmplog value                  collect snmp to file, aware of timeformat in golang, like: ./snmp-20060102.log
   --snmpperiod value               snmp collect period, in seconds (default: 60)
   --pprof                          start profiling server on :6060
   --log value                      specify a log file to output, default goes to stderr
   --quiet                          to suppress the 'stream open/close' messages
   --tcp                            to emulate a TCP connection(linux)
   -c value                         config from json file, which will override the command from shell
   --help, -h                       show help
   --version, -v                    print the version
`;

const K21_CRYPT_USAGE =
  'aes, aes-128, aes-192, salsa20, blowfish, twofish, cast5, 3des, tea, xtea, xor, sm4, none';
const K21_USAGE: Readonly<Record<string, string>> = {
  crypt: K21_CRYPT_USAGE,
  remoteaddr: 'kcp server address',
  listen: 'kcp server listen address',
  pprof: 'start profiling server on :6060',
  mode: 'profiles: fast3, fast2, fast, normal, manual',
  conn: 'set num of UDP connections to server',
  sndwnd: 'set send window size(num of packets)',
  rcvwnd: 'set receive window size(num of packets)',
  parityshard: 'set reed-solomon erasure coding - parityshard',
};
// metrics, udp, udptimeout and workers are ours, in no kcptun release
const ADDED_AFTER_K21 = new Set([
  'QPP',
  'QPPCount',
  'ratelimit',
  'framesize',
  'closewait',
  'metrics',
  'udp',
  'udptimeout',
  'workers',
]);

/**
 * The latest tables turned back into K21's: fewer flags, older usage texts (no -mode auto), smuxver default
 * 1, mode default fast.
 */
function asK21<C>(options: readonly OptionSpec<C>[], extraDropped: string[]): OptionSpec<C>[] {
  return options
    .filter((o) => !ADDED_AFTER_K21.has(o.name) && !extraDropped.includes(o.name))
    .map((o) => ({
      ...o,
      usage: K21_USAGE[o.name] ?? o.usage,
      defaultValue: o.name === 'smuxver' ? 1 : o.name === 'mode' ? 'fast' : o.defaultValue,
    }));
}

/** The client's and the server's -h texts, for checks that hold for both. */
function bothHelpTexts(): string[] {
  return [CLIENT_OPTIONS, SERVER_OPTIONS].map((options) =>
    renderHelp<unknown>({
      programName: 'kcptun',
      usage: 'x',
      version: 'x',
      options: options as readonly OptionSpec<unknown>[],
    }),
  );
}

describe('help layout', () => {
  it('reproduces K21 client -h byte for byte from the K21 flag set', () => {
    const text = renderHelp({
      programName: 'kcptun-client',
      usage: 'client(with SMUX)',
      version: 'SELFBUILD',
      options: asK21(CLIENT_OPTIONS, ['pprof']),
    });
    assert.equal(text, K21_CLIENT_HELP);
  });
  it('reproduces K21 server -h byte for byte from the K21 flag set', () => {
    const text = renderHelp({
      programName: 'kcptun-server',
      usage: 'server(with SMUX)',
      version: 'SELFBUILD',
      options: asK21(SERVER_OPTIONS, []),
    });
    assert.equal(text, K21_SERVER_HELP);
  });
});

describe('help content', () => {
  for (const [label, options] of [
    ['client', CLIENT_OPTIONS],
    ['server', SERVER_OPTIONS],
  ] as const) {
    it(`${label}: every visible flag once, with its default; hidden flags absent`, () => {
      const text = renderHelp<unknown>({
        programName: `kcptun-${label}`,
        usage: `${label}(with SMUX)`,
        version: '1.2.3',
        options: options as readonly OptionSpec<unknown>[],
      });
      const lines = text.split('\n');
      for (const option of options) {
        const dashes = option.name.length === 1 ? '-' : '--';
        const matching = lines.filter(
          (line) => line.startsWith(`   ${dashes}${option.name} `) || line === `   ${dashes}${option.name}`,
        );
        if (option.hidden) {
          assert.equal(matching.length, 0, option.name);
          continue;
        }
        assert.equal(matching.length, 1, option.name);
        const line = matching[0];
        if (option.type === 'int') assert.ok(line.includes(`(default: ${option.defaultValue})`), line);
        if (option.type === 'string' && option.defaultValue !== '') {
          assert.ok(line.includes(`(default: "${option.defaultValue}")`), line);
        }
        if (option.type === 'bool') assert.ok(!line.includes('(default:'), line);
      }
      assert.ok(text.includes(`(default: "it's a secrect") [$KCPTUN_KEY]`));
      assert.ok(text.includes('\nVERSION:\n   1.2.3\n'));
      for (const hidden of ['acknodelay', 'nodelay', 'interval', 'resend', 'nc']) {
        assert.ok(!text.includes(`--${hidden} `), hidden);
      }
    });
  }
  it('the latest defaults show: smuxver 2, server closewait 30', () => {
    const text = renderHelp({
      programName: 'kcptun-server',
      usage: 'server(with SMUX)',
      version: 'x',
      options: SERVER_OPTIONS,
    });
    assert.match(text, /--smuxver value +specify smux version, available 1,2 \(default: 2\)\n/);
    assert.match(
      text,
      /--closewait value +the seconds to wait before tearing down a connection \(default: 30\)\n/,
    );
    assert.match(text, /--datashard value, --ds value +set reed-solomon/);
  });
  it('-sndwnd, -rcvwnd and -parityshard say what -mode auto does with them', () => {
    for (const text of bothHelpTexts()) {
      for (const flag of ['sndwnd', 'rcvwnd'])
        assert.match(
          text,
          new RegExp(`--${flag} value .*; -mode auto sizes both windows itself unless one is given`),
        );
      assert.match(
        text,
        /--parityshard value.*; -mode auto adapts the count, up to this, unless a shard count is given/,
      );
    }
  });
  it('-pprof says in plain words that it opens the inspector, and what that allows', () => {
    for (const text of bothHelpTexts()) {
      assert.match(
        text,
        /--pprof +start profiling: opens the Node\.js inspector on 127\.0\.0\.1:6060, which lets anyone who can connect to that address run any code in this process\n/,
      );
    }
  });
  it('version line', () => {
    assert.equal(renderVersion('0.1.0'), 'kcptun version 0.1.0\n');
  });
});
