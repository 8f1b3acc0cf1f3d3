// The programs as one script each: esbuild bundles tsc's output of each program module into one ES module
// and writes it over that module, at the same path (dist/src/cli/client-program.js, ...). Run after tsc by
// every build path: `npm run build`, `npm test`, the bench scripts and npm's `prepare` (tools/prepare.mjs).
//
// Why: one script in place of some 140 ES modules starts with 24-30 % less CPU (each -workers thread too),
// ~1 MiB less idle memory, and a fresh process's first 100 MiB each way costs 5-7 % less CPU
// (docs/bench-tunnel-bundle-2026-12-06-bundle25.md; docs/bench-tunnel-cold-2026-12-06.md §3 first).
//
// One program, never two copies: the bundle replaces the module tsc wrote, and tsc (not incremental here)
// writes every module again on each run, so a bare `tsc -p .` puts back the unbundled module, which runs
// the same program, only slower to start. Every path that starts a program (the bins, bench:tunnel,
// bench:link, the tests) starts dist/src/cli/{client,server}-main.js, unchanged: those stay tsc's small
// modules that set V8's flags and cap malloc's arenas before they import the program (client-main.ts says
// why that order matters), and the program they import is the bundle. The library (dist/src/index.js and
// what it imports) stays ES modules.
//
// What is bundled: the two programs, which the bins, kcptun-ts (main.js) and the single-file executable
// import, and the two -workers scripts, which worker-pool.ts starts by file name beside itself.
// What is not: koffi (a native package, loaded with require at run time from beside the bundle, as from
// the module), and START_MODULES, the modules the bins load before the program; a bundle imports those
// files by their paths, so each runs once per thread and keeps one state (the single-file executable's
// embedded version in version.js; libc bound once).
//
// Whitespace and comments are left out (esbuild's minifyWhitespace; names stay, and the source map beside
// the bundle maps a stack back: `node --enable-source-maps`). V8 keeps a script's whole source text in its
// heap for as long as the script lives (lazy compilation reads it), and as a two-byte string as soon as one
// character is outside Latin-1: tsc's output keeps the sources' comments, in which `≤`, `→` or `−` are
// common, so the 875 KB program was 1.75 MB of heap in every process. Without comments it is 0.5 MB of
// one-byte text (docs/bench-tunnel-memory-2026-12-07-mem33.md); a bundle that would still be two-byte
// (a string or template with such a character: write it as an escape or an HTML entity) fails the build.
//
// The bundle's first line says it is one (BUNDLE_MARK); a module that already starts with it is skipped,
// since only tsc writes a module there again. A source map beside the bundle maps it back to src/*.ts
// through tsc's own maps.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The first line of every bundle (test/package/bundle.test.ts looks for it). */
export const BUNDLE_MARK = '// kcptun-ts bundle (tools/bundle/build.mjs):';

/** The bundled modules, under dist/src/cli: what the bins and -workers run. */
export const BUNDLED = ['client-program.js', 'server-program.js', 'client-worker.js', 'server-worker.js'];

/**
 * Modules the bins import before the program (client-main.ts, main.ts), imported by the bundles as files;
 * paths under dist/src. Their own relative imports must stay inside this list (checked below), or a second
 * copy of a module would run inside the bundle.
 */
export const START_MODULES = [
  'cli/heap-tuning.js',
  'cli/malloc-arenas.js',
  'cli/version.js',
  'transport/libc.js',
];

/**
 * A bundle is an ES module (import.meta.url stays the file's own URL: version.ts, koffi's loaders and
 * -workers' script names resolve beside it as beside the module); CommonJS code inside it (prom-client,
 * loaded only with -metrics) calls require, which an ES module does not have.
 */
const BANNER = [
  `${BUNDLE_MARK} tsc's output of this program, bundled; tsc -p . writes the module back.`,
  "import { createRequire as __kcptunCreateRequire } from 'node:module';",
  'const require = __kcptunCreateRequire(import.meta.url);',
].join('\n');

/** The relative imports of a compiled module (`from './x.js'`, `import './x.js'`, `import('./x.js')`). */
function relativeImports(file) {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s*|^import\s*|\bimport\()'(\.{1,2}\/[^']+)'/gm)].map((m) =>
    path.resolve(path.dirname(file), m[1]),
  );
}

/** A start module stays a file: its import is rewritten relative to the bundle (beside its entry, in `cli`). */
function startModulesAsFiles(cli, starts) {
  return {
    name: 'start-modules',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = path.resolve(args.resolveDir, args.path);
        if (!starts.has(file)) return undefined;
        let spec = path.relative(cli, file).split(path.sep).join('/');
        if (!spec.startsWith('.')) spec = `./${spec}`;
        return { path: spec, external: true };
      });
    },
  };
}

/**
 * The built-in modules (node:...) that modules loaded at start import: those reached from the entry by
 * static imports alone, not through a dynamic import() (esbuild's metafile, paths relative to the root).
 */
function builtinsAtStart(metafile, entry) {
  const eager = new Set();
  const seen = new Set();
  const todo = [entry];
  for (let input = todo.pop(); input !== undefined; input = todo.pop()) {
    if (seen.has(input)) continue;
    seen.add(input);
    for (const imported of metafile.inputs[input]?.imports ?? []) {
      if (imported.kind !== 'import-statement' && imported.kind !== 'require-call') continue;
      if (imported.external) eager.add(imported.path);
      else todo.push(imported.path);
    }
  }
  return eager;
}

/**
 * An ES module's imports are all loaded before its code runs, and esbuild puts the imports of every module
 * in the bundle at its top: a built-in module that only a flag's code imports (node:http for -metrics,
 * node:worker_threads and node:sea for -workers) would load at every start (15 of node's internal modules).
 * Those go through require instead, inside the lazily run code of the module that imports them: a small
 * CommonJS module per built-in, `module.exports = require('node:http')`, whose require esbuild leaves to
 * run time.
 */
function lazyBuiltins(eager) {
  return {
    name: 'lazy-builtins',
    setup(build) {
      build.onResolve({ filter: /^node:/ }, (args) => {
        if (args.kind !== 'import-statement' || eager.has(args.path)) return undefined;
        return { path: args.path, namespace: 'lazy-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

/** Where a text has its first character outside Latin-1 (which V8 stores one byte each), or null. */
export function firstWideCharacter(text) {
  const at = text.search(/[\u0100-\u{10ffff}]/u);
  if (at < 0) return null;
  const line = text.slice(0, at).split('\n').length;
  const code = text.codePointAt(at).toString(16).padStart(4, '0');
  const context = JSON.stringify(text.slice(Math.max(0, at - 40), at + 10));
  return `'${text[at]}' (U+${code}) on line ${line}: ${context}`;
}

function isBundle(file) {
  return readFileSync(file, 'utf8').startsWith(BUNDLE_MARK);
}

/**
 * Bundle the programs of the build in `root` (the package: root/dist/src). Returns what it did, one line
 * per module. Throws when it cannot; with `required` false (npm's prepare, on a user's machine) it returns
 * the reason instead and leaves tsc's modules where it could not bundle, which run the same program.
 */
export async function bundle(root, { required = true } = {}) {
  try {
    return await bundleModules(root);
  } catch (err) {
    if (required) throw err;
    const reason = (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
    return [`not bundled (${reason}): the programs stay ES modules, slower to start`];
  }
}

async function bundleModules(root) {
  const src = path.join(root, 'dist', 'src');
  const cli = path.join(src, 'cli');
  const starts = new Set(START_MODULES.map((m) => path.join(src, m)));
  for (const file of starts) {
    for (const imported of relativeImports(file)) {
      if (!starts.has(imported)) {
        throw new Error(
          `${path.relative(root, file)} imports ${path.relative(root, imported)}, not a start module`,
        );
      }
    }
  }
  const esbuild = createRequire(path.join(root, 'package.json'))('esbuild');
  const report = [];
  for (const name of BUNDLED) {
    const entry = path.join(cli, name);
    if (!existsSync(entry)) throw new Error(`${path.relative(root, entry)} is missing: run tsc -p . first`);
    if (isBundle(entry)) {
      report.push(`${path.relative(root, entry)}: already a bundle`);
      continue;
    }
    const common = {
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['koffi'],
      minifyWhitespace: true,
      metafile: true,
      logLevel: 'warning',
    };
    // First pass, nothing written: which built-in modules the program imports at start.
    const probe = await esbuild.build({
      ...common,
      write: false,
      plugins: [startModulesAsFiles(cli, starts)],
    });
    const eager = builtinsAtStart(probe.metafile, path.relative(root, entry));
    const result = await esbuild.build({
      ...common,
      outfile: entry,
      allowOverwrite: true,
      sourcemap: true,
      banner: { js: BANNER },
      plugins: [startModulesAsFiles(cli, starts), lazyBuiltins(eager)],
    });
    const wide = firstWideCharacter(readFileSync(entry, 'utf8'));
    if (wide !== null) {
      throw new Error(
        `${path.relative(root, entry)}: ${wide}: V8 would hold the whole program as two-byte text`,
      );
    }
    const out = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
    const modules = Object.keys(out.inputs).length;
    report.push(`${path.relative(root, entry)}: ${modules} modules, ${(out.bytes / 1024).toFixed(0)} KiB`);
  }
  return report;
}

// Run as a script: bundle the package this file belongs to.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  bundle(root).then(
    (lines) => {
      for (const line of lines) process.stdout.write(`bundle: ${line}\n`);
    },
    (err) => {
      process.stderr.write(`bundle: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
