// npm's `prepare` step: compile with TypeScript (tsc -p .). Plain JavaScript because it runs before
// anything is compiled.
//
// npm runs prepare after `npm ci` / `npm install` in a clone, and when it installs the package from git
// or a folder (`npm install -g git+file:///path/to/clone`). For that, npm runs `npm install` in a copy of
// the repository first so that devDependencies are there; but with -g the child npm inherits the global
// flag and installs the package into the global prefix instead of installing its dependencies into the
// copy (npm/cli#8440), so `tsc` is missing and the install failed with "tsc: not found". When TypeScript
// cannot be found here, this script installs the devDependencies into the copy itself, as a local install.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(`${process.cwd()}/package.json`);

function tscPath() {
  try {
    return require.resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

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
  if (tsc === null) throw new Error('prepare: TypeScript is still missing after installing the devDependencies');
}
execFileSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
