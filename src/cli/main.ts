#!/usr/bin/env node
/**
 * kcptun-ts: both programs behind one command (`npx kcptun-ts client ...`, the single-file executable).
 * The role is the first argument (`client` or `server`), else the name the program was started under
 * (a copy or link named kcptun-client, kcptun-ts-server, ...). Without one, -h prints the usage and -v
 * the version, as a role's -h and -v do (exit status 0); anything else prints the usage, exit status 2.
 */
// Before the role's modules are parsed (client-main.ts says why).
import './heap-tuning.js';
import './malloc-arenas.js';

import { basename } from 'node:path';
import { type FlagSpec, HELP_FLAG, VERSION_FLAG } from './flags.js';
import { renderVersion } from './help.js';
import { packageVersion } from './version.js';

type Role = 'client' | 'server';

const USAGE =
  'usage: kcptun-ts client|server [flags]   (-h after the role lists the flags)\n' +
  'or start it under a name that contains "client" or "server" (kcptun-client, kcptun-ts-server, ...)\n';

/** Go's flag spellings of `spec`: -h, --h, -help, --help. */
function spellings(spec: FlagSpec): Set<string> {
  return new Set([spec.name, ...spec.aliases].flatMap((n) => [`-${n}`, `--${n}`]));
}

/** The role by name: the last of `client` / `server` that the program name contains. */
function roleOfName(name: string): Role | undefined {
  const base = basename(name).toLowerCase();
  const client = base.lastIndexOf('client');
  const server = base.lastIndexOf('server');
  if (client === -1 && server === -1) return undefined;
  return client > server ? 'client' : 'server';
}

function chooseRole(): Role | undefined {
  const first = process.argv[2];
  if (first === 'client' || first === 'server') {
    // The role's main reads its flags from argv[2] on, as when it is started directly.
    process.argv.splice(2, 1);
    return first;
  }
  return roleOfName(process.argv0) ?? roleOfName(process.argv[1] ?? '');
}

// Not awaited: the single-file executable runs this module as CommonJS, which has no top-level await.
const role = chooseRole();
const first = process.argv[2] ?? '';
if (role === 'client') void import('./client-program.js');
else if (role === 'server') void import('./server-program.js');
else if (spellings(HELP_FLAG).has(first)) process.stdout.write(USAGE);
// As either role's -v prints it: a user tries `kcptun-ts -v` before choosing a role.
else if (spellings(VERSION_FLAG).has(first)) process.stdout.write(renderVersion(packageVersion()));
else {
  process.stderr.write(USAGE);
  process.exitCode = 2;
}
