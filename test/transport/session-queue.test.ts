import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DatagramLink, KcpSession } from '../../src/transport/session.js';
import { options } from './session-cases.js';

/** One direction of an in-memory link: datagrams reach `to` on a later turn, like over a socket. */
class MemoryLink implements DatagramLink {
  readonly remote = 'memory';
  to: KcpSession | null = null;
  claim(): Buffer {
    return Buffer.alloc(1500);
  }
  send(buf: Buffer, len: number): void {
    const copy = Buffer.from(buf.subarray(0, len));
    setImmediate(() => this.to?.input(copy, len));
  }
  release(): void {}
}

const sessionOptions = options(false, 'none');

test('write holds off once a few segments wait for the window, and resumes as they leave', {
  timeout: 30_000,
}, async (t) => {
  const toServer = new MemoryLink();
  const toClient = new MemoryLink();
  const client = new KcpSession(1, sessionOptions, toServer, { active: true });
  const server = new KcpSession(1, sessionOptions, toClient, { active: false });
  toServer.to = server;
  toClient.to = client;
  t.after(() => {
    client.close();
    server.close();
  });
  let received = 0;
  let receivedAll: () => void = () => {};
  let expected = -1;
  server.attach({
    onData: (d) => {
      received += d.length;
      if (received === expected) receivedAll();
    },
    onDrain: () => {},
    onClose: () => {},
  });
  // The server's first flush tells the client its 1024-segment window: wait until its data is there.
  const windowKnown = new Promise<void>((resolve) => {
    client.attach({ onData: () => resolve(), onDrain: () => {}, onClose: () => {} });
  });
  server.write(Buffer.from('hello'));
  await windowKnown;

  let drains = 0;
  let drained: () => void = () => {};
  const firstDrain = new Promise<void>((resolve) => {
    drained = resolve;
  });
  client.attach({
    onData: () => {},
    onDrain: () => {
      drains++;
      drained();
    },
    onClose: () => {},
  });
  const chunk = Buffer.alloc(8192);
  let accepted = 0;
  while (client.write(chunk)) accepted += chunk.length;
  accepted += chunk.length;
  // 32 unsent segments (of at most 1376 bytes) stop it, far below the 1024-segment window.
  assert.ok(accepted <= 32 * 1376 + chunk.length, `accepted ${accepted} bytes before holding off`);
  assert.equal(drains, 0, 'no drain before the end of the turn');
  // The end-of-turn flush moves them into the open window, and the writer is asked for more, once.
  await firstDrain;
  assert.equal(drains, 1);
  const all = new Promise<void>((resolve) => {
    receivedAll = resolve;
  });
  expected = accepted;
  if (received !== accepted) await all;
  assert.equal(received, accepted);
  assert.equal(drains, 1);
});

test('a write to an idle session leaves at once; writes behind it wait for the end of the turn', async (t) => {
  let sent = 0;
  const link: DatagramLink = {
    remote: 'counting',
    claim: () => Buffer.alloc(1500),
    send: () => {
      sent++;
    },
    release: () => {},
  };
  const session = new KcpSession(1, sessionOptions, link, { active: true });
  t.after(() => session.close());
  session.write(Buffer.alloc(64));
  assert.equal(sent, 1, 'the first write went out within write()');
  session.write(Buffer.alloc(64));
  session.write(Buffer.alloc(64));
  assert.equal(sent, 1, 'writes with data in flight are coalesced until the end of the turn');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sent, 2, 'the end-of-turn flush sent both in one datagram');
});
