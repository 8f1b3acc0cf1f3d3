/** The Debian packages the benchmark needs, installed on first use (the machine's registry is Debian's). */
import { commandExists, runCommand } from './shell.js';

const APT_TIMEOUT_MS = 300_000;

/** Install `pkg` with apt-get unless `command` is already on PATH; returns what it did, for the log. */
export function ensureDebianPackage(command: string, pkg: string): string | null {
  if (commandExists(command)) return null;
  const apt = (args: string[]) =>
    runCommand('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], APT_TIMEOUT_MS);
  let r = apt(['install', '-y', '-qq', pkg]);
  if (r.status !== 0) {
    // a fresh machine may have no package lists yet
    apt(['update', '-qq']);
    r = apt(['install', '-y', '-qq', pkg]);
  }
  if (r.status !== 0 || !commandExists(command))
    throw new Error(`could not install ${pkg}: ${r.stderr.trim()}`);
  return `installed Debian package ${pkg}`;
}
