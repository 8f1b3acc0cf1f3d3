/** kcptun-ts, the two-role command (src/cli/main.ts), before a role is chosen. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WAIT_MS, within } from '../support/deadline.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

function kcptunTs(args: string[]): Promise<Outcome> {
  const done = new Promise<Outcome>((resolve) => {
    execFile(process.execPath, [MAIN, ...args], (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status, stdout, stderr });
    });
  });
  return within(`kcptun-ts ${args.join(' ')} exits`, WAIT_MS, done);
}

describe('kcptun-ts without a role', () => {
  it('-h, --help and the other spellings print the usage to stdout, exit status 0', async () => {
    for (const flag of ['-h', '--h', '-help', '--help']) {
      const { status, stdout, stderr } = await kcptunTs([flag]);
      assert.equal(status, 0, flag);
      assert.match(stdout, /^usage: kcptun-ts client\|server/, flag);
      assert.equal(stderr, '', flag);
    }
  });
  it('-v, --version and the other spellings print the version as a role does, exit status 0', async () => {
    const role = await kcptunTs(['server', '-v']);
    assert.match(role.stdout, /^kcptun version \d+\.\d+\.\d+\n$/);
    for (const flag of ['-v', '--v', '-version', '--version']) {
      const { status, stdout } = await kcptunTs([flag]);
      assert.equal(status, 0, flag);
      assert.equal(stdout, role.stdout, flag);
    }
  });
  it('nothing, or anything else, prints the usage to stderr, exit status 2', async () => {
    for (const args of [[], ['-l', ':29900'], ['proxy']]) {
      const { status, stdout, stderr } = await kcptunTs(args);
      assert.equal(status, 2, args.join(' '));
      assert.equal(stdout, '', args.join(' '));
      assert.match(stderr, /^usage: kcptun-ts client\|server/, args.join(' '));
    }
  });
});
