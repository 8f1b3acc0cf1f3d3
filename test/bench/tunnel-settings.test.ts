/**
 * bench:tunnel's settings: one that only ours understands (`-mode auto`) runs with the pairs of ours alone
 * and only when named, since "all" compares ours with Go kcptun, which would refuse the flag.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  argsFor,
  defaultPairs,
  defaultSettings,
  PAIRS,
  pairsFor,
  SETTINGS,
  select,
} from '../../bench/tunnel/settings.js';

test('the auto setting is ours only: not in "all", and run with the pairs of ours alone', () => {
  const [auto] = select(SETTINGS, ['auto'], '--settings');
  assert.ok(auto.args.includes('auto'));
  assert.ok(!defaultSettings().some((s) => s.name === 'auto'));
  assert.deepEqual(
    pairsFor(auto, defaultPairs()).map((p) => p.name),
    ['ts-ts'],
  );
  assert.ok(pairsFor(auto, PAIRS).every((p) => p.client === 'ts' && p.server === 'ts'));
});

test('the settings shared with Go run with every pair asked, and make up "all"', () => {
  const shared = defaultSettings();
  assert.deepEqual(
    shared.map((s) => s.name),
    ['defaults', 'wnd1024', 'wnd1024-nocomp', 'fast3-raw'],
  );
  for (const s of shared) assert.equal(pairsFor(s, defaultPairs()).length, defaultPairs().length);
});

test('the settings shared with Go name a mode, so both ends run the same one (ours defaults to auto)', () => {
  for (const s of defaultSettings()) {
    const mode = s.args.indexOf('-mode');
    assert.ok(mode >= 0, s.name);
    assert.notEqual(s.args[mode + 1], 'auto', s.name);
  }
  assert.deepEqual(argsFor(select(SETTINGS, ['defaults'], '--settings')[0], 'ts'), [
    '-smuxver',
    '1',
    '-mode',
    'fast',
  ]);
});

test('auto-go runs -mode auto on our end against Go at its defaults, with the mixed pairs only, when named', () => {
  const [autoGo] = select(SETTINGS, ['auto-go'], '--settings');
  assert.ok(!defaultSettings().some((s) => s.name === 'auto-go'));
  assert.deepEqual(
    pairsFor(autoGo, defaultPairs()).map((p) => p.name),
    ['ts-go', 'go-ts'],
  );
  assert.ok(argsFor(autoGo, 'ts').includes('auto'));
  assert.ok(!argsFor(autoGo, 'go').includes('auto'));
  assert.ok(argsFor(autoGo, 'go').includes('-smuxver'));
});
