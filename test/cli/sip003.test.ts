import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseClientArgs, parseServerArgs } from '../../src/cli/args.js';
import { CliError } from '../../src/cli/errors.js';
import { CLIENT_OPTIONS } from '../../src/cli/options.js';
import { parsePluginOptions, sip003Settings } from '../../src/cli/sip003.js';

const PLUGIN_ENV = {
  SS_REMOTE_HOST: '203.0.113.7',
  SS_REMOTE_PORT: '29900',
  SS_LOCAL_HOST: '127.0.0.1',
  SS_LOCAL_PORT: '1080',
};

function runConfig<C>(result: { kind: string; config?: C }): C {
  assert.equal(result.kind, 'run');
  return result.config as C;
}

function assertCliError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CliError && pattern.test(err.message));
}

describe('parsePluginOptions', () => {
  it('splits on unescaped ; and the first unescaped =', () => {
    assert.deepEqual(parsePluginOptions('mode=fast2;key=a\\;b\\=c\\\\d;nocomp;mtu=1400'), [
      ['mode', 'fast2'],
      ['key', 'a;b=c\\d'],
      ['nocomp', undefined],
      ['mtu', '1400'],
    ]);
  });
  it('keeps = inside a value and allows empty values', () => {
    assert.deepEqual(parsePluginOptions('key=a=b;crypt='), [
      ['key', 'a=b'],
      ['crypt', ''],
    ]);
  });
  it('tolerates a trailing ; and an empty string', () => {
    assert.deepEqual(parsePluginOptions('nocomp;'), [['nocomp', undefined]]);
    assert.deepEqual(parsePluginOptions(''), []);
  });
  it('rejects a dangling escape and empty keys', () => {
    assertCliError(() => parsePluginOptions('key=abc\\'), /nothing follows the final escape/);
    assertCliError(() => parsePluginOptions('=5'), /empty key/);
    assertCliError(() => parsePluginOptions('mtu=5;;nocomp'), /empty key/);
  });
});

describe('SIP003 plugin mode', () => {
  it('is off unless all four variables are set', () => {
    assert.deepEqual(sip003Settings({ ...PLUGIN_ENV, SS_LOCAL_PORT: '' }, 'client', CLIENT_OPTIONS), []);
    assert.deepEqual(sip003Settings({ SS_PLUGIN_OPTIONS: 'mtu=5' }, 'client', CLIENT_OPTIONS), []);
  });
  it('client: remote → remoteaddr, local → localaddr', () => {
    const config = runConfig(parseClientArgs([], PLUGIN_ENV));
    assert.equal(config.remoteAddr, '203.0.113.7:29900');
    assert.equal(config.localAddr, '127.0.0.1:1080');
  });
  it('server: remote → listen, local → target', () => {
    const config = runConfig(
      parseServerArgs([], { ...PLUGIN_ENV, SS_REMOTE_HOST: '0.0.0.0', SS_LOCAL_PORT: '8388' }),
    );
    assert.equal(config.listen, '0.0.0.0:29900');
    assert.equal(config.target, '127.0.0.1:8388');
  });
  it('brackets IPv6 hosts and passes port ranges through', () => {
    const env = {
      ...PLUGIN_ENV,
      SS_REMOTE_HOST: '2001:db8::1',
      SS_REMOTE_PORT: '29900-29999',
      SS_LOCAL_HOST: '::1',
    };
    const config = runConfig(parseClientArgs([], env));
    assert.equal(config.remoteAddr, '[2001:db8::1]:29900-29999');
    assert.equal(config.localAddr, '[::1]:1080');
  });
  it('applies typed options with escapes; a bare bool key means true', () => {
    const env = {
      ...PLUGIN_ENV,
      SS_PLUGIN_OPTIONS:
        'key=p\\;w\\=d\\\\;crypt=salsa20;mode=fast3;nocomp;tcp=false;ds=5;QPPCount=0x1f;remoteaddr=h:100-200',
    };
    const config = runConfig(parseClientArgs(['-tcp'], env));
    assert.equal(config.key, 'p;w=d\\');
    assert.equal(config.crypt, 'salsa20');
    assert.equal(config.mode, 'fast3');
    assert.equal(config.noComp, true);
    assert.equal(config.tcp, false);
    assert.equal(config.dataShard, 5);
    assert.equal(config.qppCount, 31);
    assert.equal(config.remoteAddr, 'h:100-200');
  });
  it('overrides the command line and the JSON file; the mode preset still comes last', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcptun-sip003-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'c.json');
    writeFileSync(path, '{"mtu":1300,"key":"json","interval":70,"conn":4}');
    const env = { ...PLUGIN_ENV, SS_PLUGIN_OPTIONS: 'mtu=1200;mode=normal;interval=99' };
    const config = runConfig(parseClientArgs(['-c', path, '-mtu', '1000', '-key', 'cli', '-conn', '2'], env));
    assert.equal(config.mtu, 1200);
    assert.equal(config.key, 'json');
    assert.equal(config.conn, 4);
    assert.equal(config.interval, 40);

    const viaOption = runConfig(parseClientArgs([], { ...PLUGIN_ENV, SS_PLUGIN_OPTIONS: `c=${path}` }));
    assert.equal(viaOption.conn, 4, 'a c option selects the JSON file');
  });
  it('malformed options name the key', () => {
    const bad = (options: string) => () => parseClientArgs([], { ...PLUGIN_ENV, SS_PLUGIN_OPTIONS: options });
    assertCliError(bad('mtu=big'), /invalid value "big" for option "mtu"/);
    assertCliError(bad('nocomp=yes'), /invalid value "yes" for option "nocomp"/);
    assertCliError(bad('mtu'), /option "mtu" needs a value/);
    assertCliError(bad('turbo=1'), /unknown option "turbo"/);
    assertCliError(bad('listen=:1'), /unknown option "listen"/);
    assertCliError(bad('key=x\\'), /final escape/);
  });
  it('plugin values are validated like any other', () => {
    assertCliError(
      () => parseClientArgs([], { ...PLUGIN_ENV, SS_REMOTE_PORT: '29999-29900' }),
      /-remoteaddr: invalid port range/,
    );
  });
});
