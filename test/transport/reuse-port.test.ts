import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, test } from 'node:test';
import { bindReusePortSocket, reusePortSupport } from '../../src/transport/reuse-port.js';
import { freeUdpPort } from '../support/ports.js';

const support = reusePortSupport();

/** Sends one datagram from each of `sources` fresh sockets to `port`, `perSource` times. */
async function sendFrom(sources: number, perSource: number, port: number): Promise<void> {
  for (let s = 0; s < sources; s++) {
    const socket = dgram.createSocket('udp4');
    for (let i = 0; i < perSource; i++) {
      await new Promise<void>((resolve) => socket.send(Buffer.from([s]), port, '127.0.0.1', () => resolve()));
    }
    socket.close();
  }
}

describe('SO_REUSEPORT listening sockets', { skip: support === true ? false : support }, () => {
  test('a group on one port: every datagram reaches exactly one member, one source always the same one', async () => {
    const port = await freeUdpPort();
    const members = [
      await bindReusePortSocket('127.0.0.1', port, 0),
      await bindReusePortSocket('127.0.0.1', port, 0),
    ];
    const sources = 32;
    const perSource = 4;
    // sourcesSeen[m]: source index -> datagrams member m took from it
    const sourcesSeen = members.map(() => new Map<number, number>());
    let total = 0;
    const all = new Promise<void>((resolve) => {
      members.forEach((socket, m) => {
        socket.on('message', (msg) => {
          const source = msg[0]!;
          sourcesSeen[m]!.set(source, (sourcesSeen[m]!.get(source) ?? 0) + 1);
          if (++total === sources * perSource) resolve();
        });
      });
    });
    try {
      assert.equal(members[0]!.address().port, port);
      assert.equal(members[1]!.address().port, port);
      await sendFrom(sources, perSource, port);
      await all;
      // Each source's datagrams all went to one member...
      for (let s = 0; s < sources; s++) {
        const counts = sourcesSeen.map((seen) => seen.get(s) ?? 0);
        assert.ok(counts.includes(perSource) && counts.includes(0), `source ${s}: ${counts}`);
      }
      // ...and the kernel spread the sources over both (all 32 on one: a chance of 2^-31).
      assert.ok(
        sourcesSeen.every((seen) => seen.size > 0),
        `${sourcesSeen.map((seen) => seen.size)}`,
      );
    } finally {
      for (const socket of members) socket.close();
    }
  });

  test('a port held by a socket outside the group is refused with its errno name', async () => {
    const plain = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => plain.bind(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(bindReusePortSocket('127.0.0.1', plain.address().port, 0), { code: 'EADDRINUSE' });
    } finally {
      plain.close();
    }
  });

  test('IPv6 any address takes IPv4 peers too, as the other listeners do', async (t) => {
    const port = await freeUdpPort();
    let socket: dgram.Socket;
    try {
      socket = await bindReusePortSocket('::', port, 0);
    } catch (err) {
      t.skip(`no IPv6 here: ${(err as Error).message}`);
      return;
    }
    try {
      const got = new Promise<string>((resolve) =>
        socket.once('message', (_m, rinfo) => resolve(rinfo.address)),
      );
      await sendFrom(1, 1, port);
      assert.equal(await got, '::ffff:127.0.0.1');
    } finally {
      socket.close();
    }
  });
});
