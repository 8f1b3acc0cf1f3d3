/**
 * `npm install -g git+file://<clone>`: npm prepares a git package by installing its devDependencies and
 * running `prepare` in a copy; under -g that used to fail with "tsc: not found" (tools/prepare.mjs says
 * why). The clone is of this repository's HEAD commit: uncommitted changes are not in it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { bundleTool, npm, REPO, run, tempDir } from './support.js';

const isCheckout = existsSync(path.join(REPO, '.git'));

it('npm install -g from a git clone builds and installs the programs', {
  skip: !isCheckout && 'not a git checkout',
  timeout: 600_000,
}, async () => {
  const temp = tempDir('clone');
  try {
    const clone = path.join(temp.dir, 'kcptun-ts');
    await run('git', ['clone', '--quiet', '--no-hardlinks', REPO, clone]);
    const prefix = path.join(temp.dir, 'global');
    await npm(['install', '-g', '--prefix', prefix, `git+file://${clone}`], temp.dir);
    const bin = path.join(prefix, 'bin');
    assert.match(
      (await run(path.join(bin, 'kcptun-ts-server'), ['-v'])).stdout,
      /^kcptun version \d+\.\d+\.\d+/,
    );
    assert.match((await run(path.join(bin, 'kcptun-client'), ['-h'])).stdout, /kcptun - client/);
    const installed = path.join(prefix, 'lib', 'node_modules', 'kcptun-ts');
    assert.ok(existsSync(path.join(installed, 'dist', 'src', 'index.d.ts')), 'the library and its types');
    assert.ok(!existsSync(path.join(installed, 'dist', 'test')), 'no tests');
    assert.ok(existsSync(path.join(installed, 'node_modules', 'prom-client')), 'with its dependencies');
    // prepare bundled the programs (tools/bundle/build.mjs), as `npm run build` does in a clone
    const program = readFileSync(path.join(installed, 'dist', 'src', 'cli', 'client-program.js'), 'utf8');
    assert.ok(
      program.startsWith((await bundleTool()).BUNDLE_MARK),
      'the installed client is the bundled program',
    );
  } finally {
    temp.remove();
  }
});
