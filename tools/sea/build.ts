/**
 * npm run build:sea: one file holding Node and both kcptun programs (Node's single executable
 * applications), to copy to a server like Go kcptun's static release binary.
 *
 * Steps: esbuild bundles the compiled ESM code (dist/tools/sea/entry.js and everything it imports) into
 * one CommonJS script, the only form a SEA runs; `node --experimental-sea-config` turns it into a blob;
 * postject injects the blob into a copy of this very node binary. The result is dist/sea/kcptun-ts.
 * The role comes from the first argument (`kcptun-ts client ...`) or from the file's name (a copy or
 * link named kcptun-client runs the client).
 *
 * koffi (the optional native package for sendmmsg/recvmmsg and DSCP) is not inside the file: a SEA can
 * load only Node's built-in modules by itself. The programs look for koffi next to the executable
 * (node_modules/koffi beside or above it) and otherwise use Node's dgram, as without koffi anywhere.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fuse Node's SEA support looks for (documented in Node's single-executable-applications.md). */
const SEA_SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const SEA_RESOURCE = 'NODE_SEA_BLOB';

/** dist/tools/sea -> the package root. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const outDir = path.join(root, 'dist', 'sea');
const require = createRequire(import.meta.url);

interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ warnings: unknown[] }>;
}
interface Postject {
  inject(file: string, resource: string, data: Buffer, options: { sentinelFuse: string }): Promise<void>;
}

async function main(): Promise<void> {
  if (process.platform !== 'linux') {
    throw new Error(`build:sea makes Linux executables; this is ${process.platform}`);
  }
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  mkdirSync(outDir, { recursive: true });
  const script = path.join(outDir, 'kcptun-ts.cjs');
  const esbuild = require('esbuild') as Esbuild;
  await esbuild.build({
    entryPoints: [path.join(root, 'dist', 'tools', 'sea', 'entry.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: script,
    external: ['koffi'],
    // without comments and whitespace, as the programs' bundles (tools/bundle/build.mjs says why): V8 holds
    // the script's source for the process's life, two bytes a character if one is outside Latin-1
    minifyWhitespace: true,
    logLevel: 'warning',
    define: {
      KCPTUN_TS_VERSION: JSON.stringify(version),
      // Modules that locate files from import.meta.url (koffi's loader) look beside the executable.
      'import.meta.url': '__kcptun_ts_executable_url',
    },
    banner: {
      js: 'const __kcptun_ts_executable_url = require("node:url").pathToFileURL(process.execPath).href;',
    },
  });
  const blob = path.join(outDir, 'kcptun-ts.blob');
  const config = path.join(outDir, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
  const executable = path.join(outDir, 'kcptun-ts');
  copyFileSync(process.execPath, executable);
  chmodSync(executable, 0o755);
  const postject = require('postject') as Postject;
  await postject.inject(executable, SEA_RESOURCE, readFileSync(blob), { sentinelFuse: SEA_SENTINEL_FUSE });
  const mib = (statSync(executable).size / 1048576).toFixed(1);
  process.stdout.write(
    `${path.relative(root, executable)}: ${mib} MiB, Node ${process.version}, kcptun-ts ${version}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`build:sea: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
