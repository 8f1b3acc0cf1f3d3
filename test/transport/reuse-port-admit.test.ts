import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { KCP_CMD_PUSH, KCP_OVERHEAD } from '../../src/kcp/constants.js';
import { writeSegmentHeader } from '../../src/kcp/segment-header.js';
import { KcpListener, type ListenOptions } from '../../src/transport/listener.js';
import { reusePortSupport } from '../../src/transport/reuse-port.js';
import type { KcpSession } from '../../src/transport/session.js';
import { freeUdpPort } from '../support/ports.js';

const support = reusePortSupport();
const crypt = createPacketCrypt('aes', deriveKey('admit')).crypt;

/** A sealed one-byte PUSH of conversation `conv`, sn 0: enough to open a session at a listener. */
function firstSegment(conv: number): Buffer {
  const datagram = Buffer.alloc(crypt.headerSize + KCP_OVERHEAD + 1 + crypt.trailerSize);
  const off = crypt.headerSize;
  writeSegmentHeader(datagram, off, conv, KCP_CMD_PUSH, 0, 32, 0, 0, 0, 1);
  datagram[off + KCP_OVERHEAD] = 0x61;
  return datagram.subarray(0, crypt.seal(datagram, off + KCP_OVERHEAD + 1));
}

/**
 * -workers: the kernel picks a SO_REUSEPORT member by a hash modulo the number of members, so while the
 * group grows a peer may move to another member. A member opens no session before admit() says the group
 * is complete, or a session opened in one worker would never hear from its peer again.
 */
describe('a SO_REUSEPORT listener before its group is complete', {
  skip: support === true ? false : support,
  timeout: 20_000,
}, () => {
  test('drops what arrived before admit, then each peer opens one session in one member', async () => {
    const port = await freeUdpPort();
    const options: ListenOptions = {
      crypt,
      dataShards: 0,
      parityShards: 0,
      mtu: 1350,
      sndWnd: 32,
      rcvWnd: 32,
      nodelay: 1,
      interval: 10,
      resend: 2,
      nc: 1,
      ackNoDelay: false,
      sockbuf: 1 << 20,
      maxSessions: 64,
      reusePort: true,
    };
    const opened: { member: number; remote: string }[] = [];
    let onOpened: () => void = () => {};
    const listenAs = (member: number) =>
      KcpListener.listen('127.0.0.1', port, options, (s: KcpSession) => {
        s.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
        opened.push({ member, remote: s.remoteLabel });
        onOpened();
      });
    const peers = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const peer = dgram.createSocket('udp4');
        peer.bind(0, '127.0.0.1');
        await once(peer, 'listening');
        return peer;
      }),
    );
    const sendAll = (): Promise<unknown> =>
      Promise.all(
        peers.map(
          (peer, i) =>
            new Promise<void>((resolve) =>
              peer.send(firstSegment(100 + i), port, '127.0.0.1', () => resolve()),
            ),
        ),
      );
    const members: KcpListener[] = [];
    try {
      members.push(await listenAs(0));
      // Every peer is heard while the group has one member: on loopback, queued once the send completes.
      await sendAll();
      members.push(await listenAs(1));
      assert.equal(members[0]!.admit() + members[1]!.admit(), peers.length);
      assert.equal(opened.length, 0, 'no session before admit');

      const all = new Promise<void>((resolve) => {
        onOpened = () => {
          if (opened.length >= peers.length) resolve();
        };
      });
      await sendAll();
      await all;
      assert.equal(opened.length, peers.length);
      assert.equal(new Set(opened.map((o) => o.remote)).size, peers.length, 'one session per peer');
      assert.equal(members[0]!.sessionCount + members[1]!.sessionCount, peers.length);
      // The kernel spread the 16 peers over both members (all on one: a chance of 2^-15).
      assert.ok(
        members.every((m) => m.sessionCount > 0),
        `${members.map((m) => m.sessionCount)}`,
      );
    } finally {
      for (const peer of peers) peer.close();
      for (const m of members) m.close();
    }
  });
});
