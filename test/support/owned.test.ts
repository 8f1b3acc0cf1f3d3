import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WAIT_MS, within } from './deadline.js';
import { ownedArgv, spawnOwned } from './owned.js';
import { commandLine, killIfRunning, running } from './proc-table.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'owned-fixture.js');
const linux = process.platform === 'linux';

/**
 * Start owned-fixture.js in `mode` (the test kills it as a runner or a test file would be killed) and
 * read the pids the chain prints. `gone` resolves once every process of the chain has
 * closed the stdout they share: once all are dead.
 */
async function startChain(
  mode: 'child' | 'runner',
): Promise<{ top: number; pids: number[]; gone: Promise<void> }> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // this test file's own: the chain's top is not a test file
  const top = spawnOwned(process.execPath, [FIXTURE, mode], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  const gone = new Promise<void>((resolve) => top.stdout!.once('end', resolve));
  const line = new Promise<string>((resolve, reject) => {
    top.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    top.once('exit', (code) => reject(new Error(`owned-fixture ${mode} exited with ${code}: ${out}`)));
  });
  const pids = (await within(`owned-fixture ${mode}: its pids`, WAIT_MS, line)).split(' ').map(Number);
  return { top: top.pid!, pids, gone };
}

/**
 * Wait for the chain to be gone: every process of it has closed the stdout they share, which a killed
 * process does on its way out (it may not be a zombie yet). On failure, name and kill what survived.
 */
async function expectGone(chain: { pids: number[]; gone: Promise<void> }, what: string): Promise<void> {
  try {
    await within(what, WAIT_MS, chain.gone, () =>
      chain.pids
        .filter(running)
        .map((pid) => `still running: ${pid} ${commandLine(pid)}`)
        .join('\n'),
    );
  } finally {
    for (const pid of chain.pids) killIfRunning(pid);
  }
}

describe('owned children', { skip: !linux && 'the parent-death signal is Linux only' }, () => {
  test('an owned command line is the command run through setpriv --pdeathsig KILL', () => {
    const argv = ownedArgv(['ip', 'netns', 'exec', 'n', 'sleep', '1']);
    assert.deepEqual(argv.slice(1), ['--pdeathsig', 'KILL', '--', 'ip', 'netns', 'exec', 'n', 'sleep', '1']);
    assert.match(argv[0]!, /\/setpriv$/);
  });

  test('a child spawned owned is gone once its parent is SIGKILLed', { timeout: 60_000 }, async () => {
    const chain = await startChain('child');
    const [parent, child] = chain.pids;
    assert.ok(running(child!), 'the owned child runs');
    process.kill(parent!, 'SIGKILL');
    await expectGone(chain, 'the owned child ending with its SIGKILLed parent');
  });

  test('a test file (NODE_TEST_CONTEXT) and its owned child are gone once the runner is SIGKILLed', {
    timeout: 60_000,
  }, async () => {
    const chain = await startChain('runner');
    process.kill(chain.top, 'SIGKILL');
    await expectGone(chain, 'the test file and its owned child ending with their SIGKILLed runner');
  });
});
