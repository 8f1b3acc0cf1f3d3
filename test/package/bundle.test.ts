/**
 * The programs as the build leaves them (tools/bundle/build.mjs, run by `npm run build`, `npm test`, the
 * bench scripts and npm's prepare): each program and each -workers script one bundled ES module at the
 * path tsc wrote it to, made from this build's sources, importing only the start modules and node's own;
 * the bins start those bundles. After a bare `tsc -p .` these fail until `npm run build`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mmsgSupported } from '../../src/transport/mmsg-io.js';
import { freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { bundleTool, REPO } from './support.js';

const tool = await bundleTool();
const SRC = path.join(REPO, 'dist', 'src');
const CLI = path.join(SRC, 'cli');

/** The relative module specifiers a compiled file imports: static (either quote) and dynamic. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s*|^import\s*|\bimport\()["'](\.{1,2}\/[^"']+)["']/gm)].map((m) =>
    path.resolve(path.dirname(file), m[1] as string),
  );
}

describe('the bundled programs', () => {
  it('each program and -workers script is one bundle that imports only the start modules and node', () => {
    const starts = new Set(tool.START_MODULES.map((m) => path.join(SRC, m)));
    assert.deepEqual(tool.BUNDLED.sort(), [
      'client-program.js',
      'client-worker.js',
      'server-program.js',
      'server-worker.js',
    ]);
    for (const name of tool.BUNDLED) {
      const file = path.join(CLI, name);
      const text = readFileSync(file, 'utf8');
      assert.ok(
        text.startsWith(tool.BUNDLE_MARK),
        `${name} is tsc's module, not the bundle: run npm run build`,
      );
      const outside = relativeImports(file).filter((f) => !starts.has(f));
      assert.deepEqual(outside, [], `${name} imports files besides the start modules`);
      // a bare specifier other than node's would be a package left outside (koffi is required at run time)
      const packages = [...text.matchAll(/^import .* from "([^".][^"]*)";$/gm)].map((m) => m[1] as string);
      assert.deepEqual(
        packages.filter((p) => !p.startsWith('node:')),
        [],
        `${name} imports packages`,
      );
    }
  });

  it('each bundle is Latin-1 text without comments, which V8 holds at one byte a character', () => {
    // one character past U+00FF makes V8 hold the whole script as two-byte text: 1.75 MB instead of 0.5
    for (const name of tool.BUNDLED) {
      const text = readFileSync(path.join(CLI, name), 'utf8');
      const wide = /[\u0100-\u{10ffff}]/u.exec(text);
      assert.equal(wide, null, `${name} is two-byte text: '${wide?.[0]}' at ${wide?.index}`);
      // the comments tsc keeps (JSDoc, ~1000 continuation lines a program) are gone with the whitespace;
      // one such line is CSS in the -metrics page's text
      const commentLines = text.match(/^\s+\* /gm)?.length ?? 0;
      assert.ok(commentLines <= 1, `${name} keeps ${commentLines} lines of comments`);
    }
  });

  it('the bins start the bundled programs, and -workers the bundled worker scripts', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    for (const [name, bin] of Object.entries(pkg.bin)) {
      const programs = relativeImports(path.join(REPO, bin)).filter((f) =>
        tool.BUNDLED.includes(path.basename(f)),
      );
      const roles =
        name === 'kcptun-ts' ? ['client', 'server'] : [name.endsWith('client') ? 'client' : 'server'];
      assert.deepEqual(
        programs.map((f) => path.relative(CLI, f)).sort(),
        roles.map((r) => `${r}-program.js`),
        `${name} (${bin}) imports its program`,
      );
    }
    // worker-pool.ts starts a worker by the file beside the program (client-workers.ts, server-workers.ts)
    for (const role of ['client', 'server']) {
      const program = readFileSync(path.join(CLI, `${role}-program.js`), 'utf8');
      assert.match(program, new RegExp(`new URL\\("\\./${role}-worker\\.js", ?import\\.meta\\.url\\)`));
    }
  });

  it('a bundle is not older than any source it was made from', () => {
    for (const name of tool.BUNDLED) {
      const file = path.join(CLI, name);
      const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
      // esbuild carries tsc's maps through: the sources are the TypeScript files under src/
      const sources = map.sources
        .map((s) => path.resolve(CLI, s))
        .filter((s) => s.startsWith(path.join(REPO, 'src') + path.sep));
      assert.ok(sources.length > 50, `${name}: ${sources.length} sources under src/`);
      assert.ok(
        sources.includes(path.join(REPO, 'src', 'cli', name.replace(/\.js$/, '.ts'))),
        `${name}: its own source`,
      );
      const built = statSync(file).mtimeMs;
      for (const source of sources) {
        assert.ok(existsSync(source), `${name} was made from ${source}, which is gone: run npm run build`);
        assert.ok(
          statSync(source).mtimeMs <= built,
          `${source} changed after ${name} was built: run npm run build`,
        );
      }
    }
  });

  it('the bundled server finds koffi beside it and does batched datagram I/O', {
    skip: mmsgSupported() !== true && `no batched I/O here: ${mmsgSupported()}`,
  }, async () => {
    // The single-file executable's bundle run by plain node found no koffi (it looks beside the executable):
    // a bundle keeps import.meta.url its own, so koffi resolves from dist/src/cli as from the module.
    const port = await freeUdpPort();
    const server = TunnelProcess.start('ts', 'server', ['-l', `127.0.0.1:${port}`, '-t', '127.0.0.1:1']);
    try {
      await server.waitFor('listening on');
      assert.match(server.log, /datagram I\/O: sendmmsg\/recvmmsg \(batched, through koffi\)/);
    } finally {
      await server.stop();
    }
  });
});
