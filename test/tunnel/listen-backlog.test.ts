/**
 * The client's -l asks for an accept queue as long as the kernel allows (net.core.somaxconn), as Go's
 * net.Listen does, not node's 511: a thousand connections at once into a busy client overflowed 511 and the
 * kernel reset some it had completed (address.ts, LISTEN_BACKLOG).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { LISTEN_BACKLOG, listenOn } from '../../src/tunnel/address.js';

/** The queue length `ss` shows for a listening TCP socket on 127.0.0.1:`port` (its Send-Q column). */
function acceptQueue(port: number): number {
  const r = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ss: ${r.error ?? r.stderr}`);
  const fields = r.stdout.trim().split(/\s+/);
  assert.equal(fields[0], 'LISTEN', r.stdout);
  return Number(fields[2]);
}

const ssMissing = spawnSync('ss', ['-V']).status !== 0;

test('-l listens with the longest accept queue the kernel allows', {
  skip: (process.platform !== 'linux' || ssMissing) && 'needs Linux and ss (iproute2)',
}, async () => {
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  const server = net.createServer();
  await listenOn(server, { host: '127.0.0.1', port: 0 });
  try {
    const { port } = server.address() as net.AddressInfo;
    assert.equal(acceptQueue(port), Math.min(somaxconn, LISTEN_BACKLOG));
  } finally {
    server.close();
  }
});
