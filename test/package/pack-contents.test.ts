import assert from 'node:assert/strict';
import { it } from 'node:test';
import { npm, REPO } from './support.js';

/** Everything `npm pack` may put in the package: what a user runs, imports, reads and installs. */
const ALLOWED: readonly RegExp[] = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^dist\/src\/.+\.(js|d\.ts)$/,
  // assets the programs read at run time (the metrics status page)
  /^dist\/src\/metrics\/.+$/,
  /^docs\/.+\.(md|svg|json|png)$/,
  /^packaging\/.+\.(md|service|json|conf)$/,
];

/** What must be there. */
const REQUIRED: readonly string[] = [
  'package.json',
  'README.md',
  'LICENSE',
  'dist/src/index.js',
  'dist/src/index.d.ts',
  'dist/src/cli/main.js',
  'dist/src/cli/client-main.js',
  'dist/src/cli/server-main.js',
  'packaging/README.md',
  'packaging/systemd/kcptun-ts-client.service',
  'packaging/systemd/kcptun-ts-server.service',
  'packaging/config/client.json',
  'packaging/config/server.json',
  'packaging/sysctl/99-kcptun-ts.conf',
];

it('npm pack holds the programs, the library with its types, the docs and packaging/, and nothing else', async () => {
  const { stdout } = await npm(['pack', '--dry-run', '--ignore-scripts', '--json'], REPO);
  const [info] = JSON.parse(stdout) as { files: { path: string }[] }[];
  const files = info.files.map((f) => f.path);
  const unexpected = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
  assert.deepEqual(unexpected, [], 'files outside the allow-list (tests, bench, maps, sources, tools?)');
  const missing = REQUIRED.filter((f) => !files.includes(f));
  assert.deepEqual(missing, [], 'files a user needs');
  assert.ok(
    files.some((f) => f.startsWith('docs/')),
    'docs/ ships',
  );
  // Every module of the library ships with its declarations.
  for (const js of files.filter((f) => f.startsWith('dist/src/') && f.endsWith('.js'))) {
    assert.ok(files.includes(js.replace(/\.js$/, '.d.ts')), `${js} has its .d.ts`);
  }
});
