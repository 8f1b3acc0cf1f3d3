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

test('write holds off once a few segments wait for the window, and resumes as they leave', async () => {
  const toServer = new MemoryLink();
  const toClient = new MemoryLink();
  const client = new KcpSession(1, sessionOptions, toServer, { active: true });
  const server = new KcpSession(1, sessionOptions, toClient, { active: false });
  toServer.to = server;
  toClient.to = client;
  let received = 0;
  server.attach({ onData: (d) => (received += d.length), onDrain: () => {}, onClose: () => {} });
  // Let the server's first flush tell the client its 1024-segment window.
  server.write(Buffer.from('hello'));
  client.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  await new Promise((r) => setTimeout(r, 50));

  let drains = 0;
  client.attach({ onData: () => {}, onDrain: () => drains++, onClose: () => {} });
  const chunk = Buffer.alloc(8192);
  let accepted = 0;
  while (client.write(chunk)) accepted += chunk.length;
  accepted += chunk.length;
  // 32 unsent segments (of at most 1376 bytes) stop it, far below the 1024-segment window.
  assert.ok(accepted <= 32 * 1376 + chunk.length, `accepted ${accepted} bytes before holding off`);
  // The end-of-turn flush moves them into the open window, and the writer is asked for more.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(drains, 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(received, accepted);
  client.close();
  server.close();
});
