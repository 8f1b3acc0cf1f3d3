import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { KCP_CMD_PUSH, KCP_OVERHEAD } from '../../src/kcp/constants.js';
import { writeSegmentHeader } from '../../src/kcp/segment-header.js';
import { KcpListener } from '../../src/transport/listener.js';

/**
 * A datagram that fails the checksum is told apart by its sender: one with no session is a key or crypt
 * mismatch (undecryptable); one whose session is open (its other datagrams opened) is damaged or stray.
 */
describe('listener: a failed checksum, by whether its sender has a session', { timeout: 20_000 }, () => {
  test('undecryptable before the session opens, damaged after', async () => {
    const crypt = createPacketCrypt('aes', deriveKey('damaged')).crypt;
    const calls: string[] = [];
    let notify: () => void = () => {};
    const observer = {
      undecryptable: () => {
        calls.push('undecryptable');
        notify();
      },
      damaged: () => {
        calls.push('damaged');
        notify();
      },
    };
    const sessions: unknown[] = [];
    const listener = await KcpListener.listen(
      '127.0.0.1',
      0,
      {
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
        maxSessions: 4,
        observer,
      },
      (s) => {
        sessions.push(s);
        s.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
        notify();
      },
    );
    const peer = dgram.createSocket('udp4');
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    const send = (datagram: Buffer): Promise<void> => {
      const seen = new Promise<void>((resolve) => {
        notify = resolve;
      });
      peer.send(datagram, listener.port, '127.0.0.1');
      return seen;
    };
    try {
      const garbage = Buffer.alloc(64, 0x5a);
      await send(garbage);
      assert.deepEqual(calls, ['undecryptable']);

      const datagram = Buffer.alloc(crypt.headerSize + KCP_OVERHEAD + 1 + crypt.trailerSize);
      const off = crypt.headerSize;
      writeSegmentHeader(datagram, off, 7, KCP_CMD_PUSH, 0, 32, 0, 0, 0, 1);
      datagram[off + KCP_OVERHEAD] = 0x61;
      const len = crypt.seal(datagram, off + KCP_OVERHEAD + 1);
      await send(datagram.subarray(0, len));
      assert.equal(sessions.length, 1);

      await send(garbage);
      assert.deepEqual(calls, ['undecryptable', 'damaged']);
    } finally {
      peer.close();
      listener.close();
    }
  });
});
