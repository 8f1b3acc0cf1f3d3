/**
 * tools/kcp-vectors records go-vectors.data.ts from kcp-go's own KCP. Where Go and Debian's kcp-go sources
 * are installed, rebuild and rerun it: its output must be the committed file, byte for byte, so the
 * recorder and the scenarios of go-vectors.test.ts cannot drift apart unnoticed.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ownedArgv } from '../support/owned.js';

/** The repository root: this file runs as dist/test/kcp/go-vectors-tool.test.js. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const KCP_GO_SRC = process.env.KCP_GO_SRC ?? '/usr/share/gocode/src/github.com/xtaci/kcp-go';

function missingPrerequisite(): string | false {
  if (spawnSync('go', ['version']).status !== 0) return 'go is not installed (apt-get install golang-go)';
  if (!existsSync(path.join(KCP_GO_SRC, 'kcp.go'))) {
    return `kcp-go sources not found in ${KCP_GO_SRC} (apt-get install golang-github-xtaci-kcp-dev)`;
  }
  return false;
}

test('tools/kcp-vectors reproduces test/kcp/go-vectors.data.ts byte for byte', {
  skip: missingPrerequisite(),
  timeout: 300_000,
}, async () => {
  const [sh, ...args] = ownedArgv(['sh', path.join(ROOT, 'tools/kcp-vectors/build.sh')]);
  const { stdout } = await promisify(execFile)(sh!, args, {
    env: { ...process.env, KCP_GO_SRC },
    maxBuffer: 16 * 1024 * 1024,
  });
  const committed = readFileSync(path.join(ROOT, 'test/kcp/go-vectors.data.ts'), 'utf8');
  assert.ok(
    stdout === committed,
    'regenerate with: tools/kcp-vectors/build.sh > test/kcp/go-vectors.data.ts',
  );
});
