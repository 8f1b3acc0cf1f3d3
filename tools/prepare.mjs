// npm's `prepare` step: compile the package (src/, tsconfig.build.json) with TypeScript and bundle its
// programs (tools/bundle/build.mjs); `npm test` and the bench scripts compile the rest themselves. Plain
// JavaScript because it runs before anything is compiled.
//
// npm runs prepare after `npm ci` / `npm install` in a clone, and when it installs the package from git
// or a folder (`npm install -g git+file:///path/to/clone`). For that, npm runs `npm install` in a copy of
// the repository first so that devDependencies are there; but with -g the child npm inherits the global
// flag and installs the package into the global prefix instead of installing its dependencies into the
// copy (npm/cli#8440), so `tsc` is missing and the install failed with "tsc: not found". When TypeScript
// cannot be found here, this script installs the devDependencies into the copy itself, as a local install.
// That child npm also moves the global folder's directory for the package aside (to .<name>-<random>, with
// the dependencies the real install has already put in it) and links the copy in its place; the real
// install would then be written through that link into the copy that npm deletes once packed. The link is
// removed and the directory moved back here.
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundle } from './bundle/build.mjs';

const require = createRequire(`${process.cwd()}/package.json`);

function tscPath() {
  try {
    return require.resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

/** Undo the global link to this directory that npm's -g git preparation makes (see above). */
function unlinkGlobalCopy() {
  const prefix = process.env.npm_config_prefix;
  if (process.env.npm_config_global !== 'true' || !prefix) return false;
  const { name } = JSON.parse(readFileSync('package.json', 'utf8'));
  const modules =
    process.platform === 'win32'
      ? path.join(prefix, 'node_modules')
      : path.join(prefix, 'lib', 'node_modules');
  const link = path.join(modules, name);
  try {
    if (lstatSync(link).isSymbolicLink() && realpathSync(link) === realpathSync(process.cwd())) {
      unlinkSync(link);
      const aside = readdirSync(modules).filter((entry) => entry.startsWith(`.${name}-`));
      if (aside.length === 1) renameSync(path.join(modules, aside[0]), link);
      else mkdirSync(link);
      return true;
    }
  } catch {
    // no such link: nothing to undo
  }
  return false;
}

const childOfGlobalGitInstall = unlinkGlobalCopy();
let tsc = tscPath();
if (tsc === null) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^npm_config_(global|location|prefix)$/i.test(name)) delete env[name];
  }
  const npm = process.env.npm_execpath;
  const args = ['install', '--no-save', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
  if (npm) execFileSync(process.execPath, [npm, ...args], { stdio: 'inherit', env });
  else execFileSync('npm', args, { stdio: 'inherit', env });
  tsc = tscPath();
  if (tsc === null)
    throw new Error('prepare: TypeScript is still missing after installing the devDependencies');
}
// npm prepares the copy once more before packing it: that run compiles, with the devDependencies now here.
if (!childOfGlobalGitInstall) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // Without esbuild (its native binary missing on this platform) tsc's modules stay: the same program.
  for (const line of await bundle(process.cwd(), { required: false }))
    process.stdout.write(`bundle: ${line}\n`);
}
