/**
 * A chain of processes for test/support/owned.test.ts, run as a program:
 *   node owned-fixture.js child    starts an owned grandchild (spawnOwned) and prints "<own pid> <its pid>"
 *   node owned-fixture.js runner   stands in for `node --test`: starts `child` with NODE_TEST_CONTEXT set,
 *                                  as the runner starts a test file, through a plain spawn
 * Every process of the chain writes to the stdout it was given, so that pipe ends only when all are gone.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnOwned } from './owned.js';

const SELF = fileURLToPath(import.meta.url);
const IDLE = 'setInterval(() => {}, 1000)';

function main(mode: string): void {
  if (mode === 'child') {
    const grandchild = spawnOwned(process.execPath, ['-e', IDLE], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    process.stdout.write(`${process.pid} ${grandchild.pid}\n`);
  } else {
    spawn(process.execPath, [SELF, 'child'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_TEST_CONTEXT: 'child-v8' },
    });
  }
  setInterval(() => {}, 1000);
}

// Run as a program only with its mode: `node --test dist/test/` also runs this file, without one.
if (process.argv[1] === SELF && (process.argv[2] === 'child' || process.argv[2] === 'runner')) {
  main(process.argv[2]);
}
