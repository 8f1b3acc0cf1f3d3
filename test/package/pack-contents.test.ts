import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
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
  // the programs the bins import, and the -workers scripts (bundled by tools/bundle/build.mjs)
  'dist/src/cli/client-program.js',
  'dist/src/cli/server-program.js',
  'dist/src/cli/client-worker.js',
  'dist/src/cli/server-worker.js',
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
  // What a bin runs ships: every file it imports, and those import, and the worker scripts started by name.
  const bins = Object.values(
    (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> })
      .bin,
  );
  const todo = bins.map((b) => path.posix.normalize(b));
  const seen = new Set<string>();
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    assert.ok(files.includes(file), `${file} is run by a bin but not in the package`);
    const text = readFileSync(path.join(REPO, file), 'utf8');
    const specs = text.matchAll(
      /(?:\bfrom\s*|^import\s*|\bimport\(|new URL\()["'](\.{1,2}\/[^"']+\.js)["']/gm,
    );
    for (const m of specs) todo.push(path.posix.join(path.posix.dirname(file), m[1] as string));
  }
  assert.ok(seen.has('dist/src/cli/server-worker.js'), 'the walk reaches the worker scripts');
  // Every module of the library ships with its declarations.
  for (const js of files.filter((f) => f.startsWith('dist/src/') && f.endsWith('.js'))) {
    assert.ok(files.includes(js.replace(/\.js$/, '.d.ts')), `${js} has its .d.ts`);
  }
});
