import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { applyJsonConfig, applyModePreset, loadJsonConfigFile } from '../../src/cli/config.js';
import { CliError } from '../../src/cli/errors.js';
import {
  CLIENT_OPTIONS,
  type ClientConfig,
  defaultConfig,
  MODE_PRESETS,
  SERVER_OPTIONS,
} from '../../src/cli/options.js';

function clientWith(json: string): ClientConfig {
  const config = defaultConfig(CLIENT_OPTIONS, {});
  applyJsonConfig(config, CLIENT_OPTIONS, json, 'test.json');
  return config;
}

function assertCliError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof CliError && pattern.test(err.message) && !err.message.includes('\n'),
  );
}

describe('JSON config: encoding/json semantics (rows checked with Go 1.19)', () => {
  it('only present keys override', () => {
    const config = clientWith('{"mtu":1400,"key":"secret"}');
    const expected = { ...defaultConfig(CLIENT_OPTIONS, {}), mtu: 1400, key: 'secret' };
    assert.deepEqual(config, expected);
  });
  it('keys match case-insensitively; the last duplicate wins', () => {
    assert.equal(clientWith('{"MTU":5}').mtu, 5);
    assert.equal(clientWith('{"mtu":5,"MTU":6}').mtu, 6);
    assert.equal(clientWith('{"MTU":6,"mtu":5}').mtu, 5);
    assert.equal(clientWith('{"SndWnd":7,"RemoteAddr":"h:1"}').sndWnd, 7);
    assert.equal(clientWith('{"\u212aey":"kelvin"}').key, 'kelvin');
  });
  it('metrics is the -metrics key, on both tables', () => {
    assert.equal(clientWith('{"metrics":"127.0.0.1:9180"}').metrics, '127.0.0.1:9180');
    assert.ok(SERVER_OPTIONS.some((o) => o.jsonKey === 'metrics' && o.field === 'metrics'));
  });
  it('qpp and qpp-count are the QPP keys', () => {
    const config = clientWith('{"qpp":true,"qpp-count":31}');
    assert.equal(config.qpp, true);
    assert.equal(config.qppCount, 31);
    assert.equal(clientWith('{"QPP-COUNT":3}').qppCount, 3);
    assert.equal(clientWith('{"qpp_count":3,"QPPCount":5}').qppCount, 61);
  });
  it('unknown keys (of any shape) and null values are ignored', () => {
    const config = clientWith(
      '{"unknown":{"a":[1,2,{"b":null}]},"mtu":null,"key":null,"listen":":1","conn":3}',
    );
    assert.equal(config.mtu, 1350);
    assert.equal(config.key, "it's a secrect");
    assert.equal(config.conn, 3);
    assert.equal((config as unknown as Record<string, unknown>).listen, undefined);
  });
  it('a top-level null changes nothing; text after the first value is not read', () => {
    assert.deepEqual(clientWith('null'), defaultConfig(CLIENT_OPTIONS, {}));
    assert.equal(clientWith('{"mtu":5} garbage').mtu, 5);
    assert.equal(clientWith('{"mtu":5}{').mtu, 5);
  });
  it('integers: -0 and int64 literals are accepted; fractions and exponents are not', () => {
    assert.equal(clientWith('{"mtu":-0}').mtu, 0);
    assert.equal(clientWith('{"mtu":-1}').mtu, -1);
    for (const literal of ['1.5', '1.0', '1e3', '1E2', '99999999999999999999']) {
      assertCliError(
        () => clientWith(`{"mtu":${literal}}`),
        new RegExp(`test\\.json.*"mtu".*number ${literal.replace('.', '\\.')}.*int`),
      );
    }
  });
  it('type mismatches name the key and the expected type', () => {
    assertCliError(() => clientWith('{"mtu":"5"}'), /test\.json: key "mtu": cannot use string as int/);
    assertCliError(() => clientWith('{"nocomp":1}'), /key "nocomp": cannot use number as bool/);
    assertCliError(() => clientWith('{"key":5}'), /key "key": cannot use number as string/);
    assertCliError(() => clientWith('{"mtu":[1]}'), /key "mtu": cannot use array as int/);
    assertCliError(() => clientWith('{"qpp-count":{}}'), /key "qpp-count": cannot use object as int/);
  });
  it('a non-object document is an error', () => {
    assertCliError(() => clientWith('[]'), /test\.json: expected a JSON object, found array/);
    assertCliError(() => clientWith('"str"'), /found string/);
  });
  it('malformed JSON is an error naming the file', () => {
    for (const text of [
      '',
      '  ',
      '{"mtu":5,}',
      '{"mtu":05}',
      '{"mtu":5',
      '{mtu:5}',
      "{'mtu':5}",
      '{"a":"\u0001"}',
      '\ufeff{}',
    ]) {
      assertCliError(() => clientWith(text), /^config file test\.json: invalid JSON/);
    }
  });
  it('string escapes decode, lone surrogates become U+FFFD', () => {
    assert.equal(clientWith('{"key":"a\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00"}').key, 'a"b\\c/d\né😀');
    assert.equal(clientWith('{"key":"\\ud800x"}').key, '\ufffdx');
  });
  it('the server table has listen, target and no client-only keys', () => {
    const config = defaultConfig(SERVER_OPTIONS, {});
    applyJsonConfig(
      config,
      SERVER_OPTIONS,
      '{"listen":":4000-4010","target":"/tmp/s","conn":9,"closewait":5}',
      's.json',
    );
    assert.equal(config.listen, ':4000-4010');
    assert.equal(config.target, '/tmp/s');
    assert.equal(config.closeWait, 5);
    assert.equal((config as unknown as Record<string, unknown>).conn, undefined);
  });
});

describe('JSON config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcptun-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, '{"remoteaddr":"1.2.3.4:29900-29999","mode":"fast3"}');
    const config = defaultConfig(CLIENT_OPTIONS, {});
    loadJsonConfigFile(config, CLIENT_OPTIONS, path);
    assert.equal(config.remoteAddr, '1.2.3.4:29900-29999');
    assert.equal(config.mode, 'fast3');
  });
  it('a missing file is an error naming it', () => {
    const path = join(dir, 'missing.json');
    assertCliError(
      () => loadJsonConfigFile(defaultConfig(CLIENT_OPTIONS, {}), CLIENT_OPTIONS, path),
      /missing\.json: cannot read/,
    );
  });
});

describe('mode presets', () => {
  it('normal/fast/fast2/fast3 overwrite nodelay, interval, resend and nc', () => {
    for (const [mode, preset] of Object.entries(MODE_PRESETS)) {
      const config = {
        ...defaultConfig(CLIENT_OPTIONS, {}),
        mode,
        noDelay: 7,
        interval: 77,
        resend: 7,
        nc: 7,
      };
      applyModePreset(config, new Set());
      assert.deepEqual(
        [config.noDelay, config.interval, config.resend, config.nc],
        [preset.noDelay, preset.interval, preset.resend, preset.nc],
      );
    }
    assert.deepEqual(MODE_PRESETS.fast2, { noDelay: 1, interval: 20, resend: 2, nc: 1 });
  });
  it('manual and unknown modes keep the manual values', () => {
    for (const mode of ['manual', 'turbo', 'FAST', '', 'toString', '__proto__']) {
      const config = {
        ...defaultConfig(CLIENT_OPTIONS, {}),
        mode,
        noDelay: 1,
        interval: 15,
        resend: 3,
        nc: 0,
      };
      applyModePreset(config, new Set());
      assert.deepEqual([config.noDelay, config.interval, config.resend, config.nc], [1, 15, 3, 0], mode);
      assert.equal(config.auto, null);
    }
  });
  it('auto sets fast3 timers and every self-tuning part when no flag overrides them', () => {
    const config = { ...defaultConfig(CLIENT_OPTIONS, {}), mode: 'auto' };
    applyModePreset(config, new Set());
    assert.deepEqual([config.noDelay, config.interval, config.resend, config.nc], [1, 10, 2, 1]);
    assert.deepEqual(config.auto, { congestion: true, windows: true, fec: true });
  });
  it('auto keeps explicit timers and turns off the part an explicit flag sets', () => {
    const config = { ...defaultConfig(CLIENT_OPTIONS, {}), mode: 'auto', interval: 20, nc: 0 };
    applyModePreset(config, new Set(['interval', 'nc', 'rcvWnd', 'parityShard']));
    assert.deepEqual([config.noDelay, config.interval, config.resend, config.nc], [1, 20, 2, 0]);
    assert.deepEqual(config.auto, { congestion: false, windows: false, fec: false });
  });
  it('auto with automatic windows raises the smux buffers to 16 MiB unless -smuxbuf or -streambuf is set', () => {
    const mib16 = 16 * 1024 * 1024;
    const auto = { ...defaultConfig(CLIENT_OPTIONS, {}), mode: 'auto' };
    applyModePreset(auto, new Set());
    assert.deepEqual([auto.smuxBuf, auto.streamBuf], [mib16, mib16]);
    const set = { ...defaultConfig(CLIENT_OPTIONS, {}), mode: 'auto', streamBuf: 1 << 20 };
    applyModePreset(set, new Set(['streamBuf']));
    assert.deepEqual([set.smuxBuf, set.streamBuf], [4194304, 1 << 20]);
    const fixedWindows = { ...defaultConfig(CLIENT_OPTIONS, {}), mode: 'auto' };
    applyModePreset(fixedWindows, new Set(['sndWnd']));
    assert.deepEqual([fixedWindows.smuxBuf, fixedWindows.streamBuf], [4194304, 2097152]);
  });
});
