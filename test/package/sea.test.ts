/**
 * npm run build:sea's single-file executable: built, copied away from any node_modules (as onto a
 * server), and run as both ends of a tunnel, once by its first argument and once by its name.
 */
import assert from 'node:assert/strict';
import { copyFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { REPO, run, tempDir, tunnelThrough } from './support.js';

/** Node builds without single executable application support have no fuse to inject into. */
const seaInNode =
  (process.config.variables as Record<string, unknown>).single_executable_application !== false;
const supported = process.platform === 'linux' && process.arch === 'x64' && seaInNode;

it('the single-file executable runs both programs through a tunnel, with dgram in place of koffi', {
  skip:
    !supported &&
    `single-file executable tested on Linux x64 only (this is ${process.platform} ${process.arch})`,
  timeout: 300_000,
}, async () => {
  const { stdout } = await run(process.execPath, [path.join(REPO, 'dist', 'tools', 'sea', 'build.js')], {
    cwd: REPO,
  });
  assert.match(stdout, /dist\/sea\/kcptun-ts: [\d.]+ MiB/);
  const temp = tempDir('sea');
  try {
    // Alone in a folder with no node_modules above it: koffi cannot be found, as on a fresh server.
    const exe = path.join(temp.dir, 'kcptun-ts');
    copyFileSync(path.join(REPO, 'dist', 'sea', 'kcptun-ts'), exe);
    assert.ok(statSync(exe).mode & 0o100, 'executable');
    const client = path.join(temp.dir, 'kcptun-client');
    symlinkSync(exe, client);
    const env = { PATH: '/usr/bin:/bin' }; // no node needed on the host
    assert.match((await run(exe, ['server', '-v'], { env })).stdout, /^kcptun version \d+\.\d+\.\d+/);
    assert.match((await run(client, ['-h'], { env })).stdout, /kcptun - client/);
    const [serverLog] = await tunnelThrough(
      { file: exe, args: ['server'], env },
      { file: client, args: [], env },
      ['-dscp', '46'],
    );
    assert.match(serverLog, /SetDSCP: .*koffi/, 'without koffi, -dscp is reported, not fatal');
    // Each of those reasons on its own line: a failed require's message goes on with its "Require stack:".
    assert.match(serverLog, /datagram I\/O: dgram, [^\n]*Cannot find module 'koffi'\)\n/);
    assert.doesNotMatch(serverLog, /Require stack/);
    // Before a role is chosen, as the README's `kcptun-ts ...` lines run it (the version is built in).
    assert.match((await run(exe, ['-v'], { env })).stdout, /^kcptun version \d+\.\d+\.\d+/);
  } finally {
    temp.remove();
  }
});
