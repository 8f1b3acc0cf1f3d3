/**
 * The C forwarder is compiled on first use (and again whenever its source is newer than the binary)
 * into dist/bench/link/, next to the compiled TypeScript; only the source is kept in the repository.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mustRun } from './shell.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench/link -> bench/link in the source tree. */
const SOURCE = path.resolve(HERE, '..', '..', '..', 'bench', 'link', 'forwarder.c');
export const FORWARDER_BINARY = path.join(HERE, 'kcpbench-forwarder');
/** Used to recognise our forwarder in /proc before signalling a PID read from a file. */
export const FORWARDER_NAME = 'kcpbench-forwarder';
/**
 * gcc -O2 takes ~1 s here alone, but more than the 15 s of a set-up command on a busy machine: the suite's
 * link-emulator test failed with gcc killed at 15 s (docs/test-flakes-2026-12-06.md).
 */
const COMPILE_TIMEOUT_MS = 120_000;

export function ensureForwarder(): string {
  if (!existsSync(SOURCE)) throw new Error(`forwarder source not found at ${SOURCE}`);
  const stale =
    !existsSync(FORWARDER_BINARY) || statSync(FORWARDER_BINARY).mtimeMs < statSync(SOURCE).mtimeMs;
  if (stale) {
    // Built beside the binary and renamed over it, so that a build killed half-way (or one racing another
    // benchmark's) never leaves a binary that is newer than its source but incomplete.
    const building = `${FORWARDER_BINARY}.${process.pid}`;
    try {
      mustRun('gcc', ['-O2', '-Wall', '-Wextra', '-pthread', '-o', building, SOURCE], COMPILE_TIMEOUT_MS);
      renameSync(building, FORWARDER_BINARY);
    } finally {
      rmSync(building, { force: true });
    }
  }
  return FORWARDER_BINARY;
}
