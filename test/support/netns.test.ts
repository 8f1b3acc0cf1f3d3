import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { canCreateNetns, NetnsPair } from './netns.js';
import { spawnOwned } from './owned.js';

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!);
}

function add(name: string): void {
  execFileSync('ip', ['netns', 'add', name]);
}

function remove(name: string): void {
  if (namespaces().includes(name)) execFileSync('ip', ['netns', 'del', name]);
}

/**
 * What a killed run left (its namespaces outlive it) is no failure of the next: a namespace named for a
 * process that is gone is removed, and so is one named for this pid that this process did not make (an
 * earlier process had the same pid, and `ip netns add` of the same name failed with "File exists").
 * One named for a live process is another run's, and is kept.
 */
test('a namespace pair is made over what killed runs left, and leaves other runs alone', {
  skip: !canCreateNetns() && 'needs root on Linux',
  timeout: 30_000,
}, async () => {
  const ended = spawn('true');
  await once(ended, 'exit');
  const live = spawnOwned(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const deadOwner = `kcpt-${ended.pid}-ta`;
  const liveOwner = `kcpt-${live.pid}-ta`;
  const samePid = `kcpt-${process.pid}-ta`;
  let pair: NetnsPair | undefined;
  try {
    for (const name of [deadOwner, liveOwner, samePid]) add(name);
    pair = new NetnsPair('t');
    assert.equal(pair.a, samePid);
    const now = namespaces();
    assert.ok(now.includes(pair.a) && now.includes(pair.b), 'the pair exists');
    assert.ok(!now.includes(deadOwner), `${deadOwner} (its process is gone) was left`);
    assert.ok(now.includes(liveOwner), `${liveOwner} (its process runs) was removed`);
  } finally {
    pair?.destroy();
    for (const name of [deadOwner, liveOwner, samePid]) remove(name);
    live.kill('SIGKILL');
  }
  assert.ok(!namespaces().includes(samePid), 'destroy left the namespace');
});
