/**
 * The C forwarder is compiled on first use (and again whenever its source is newer than the binary)
 * into dist/bench/link/, next to the compiled TypeScript; only the source is kept in the repository.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mustRun } from './shell.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench/link -> bench/link in the source tree. */
const SOURCE = path.resolve(HERE, '..', '..', '..', 'bench', 'link', 'forwarder.c');
export const FORWARDER_BINARY = path.join(HERE, 'kcpbench-forwarder');
/** Used to recognise our forwarder in /proc before signalling a PID read from a file. */
export const FORWARDER_NAME = 'kcpbench-forwarder';

export function ensureForwarder(): string {
  if (!existsSync(SOURCE)) throw new Error(`forwarder source not found at ${SOURCE}`);
  const stale =
    !existsSync(FORWARDER_BINARY) || statSync(FORWARDER_BINARY).mtimeMs < statSync(SOURCE).mtimeMs;
  if (stale) mustRun('gcc', ['-O2', '-Wall', '-Wextra', '-pthread', '-o', FORWARDER_BINARY, SOURCE]);
  return FORWARDER_BINARY;
}
