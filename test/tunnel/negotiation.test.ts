import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import {
  offerUdpChannel,
  requestUdpChannel,
  UDP_HELLO,
  UDP_REQUEST_SID,
} from '../../src/tunnel/negotiation.js';
import { sessionPair, smuxConfig } from '../smux/helpers.js';

const plain = <S>(s: S): S => s;

describe('UDP negotiation over a smux session', () => {
  for (const version of [1, 2] as const) {
    test(`smux v${version}: a server that answers gives the channel, with what followed the hello`, async () => {
      const { client, server } = sessionPair(smuxConfig(version));
      server.on('nop', (sid) => {
        if (sid !== UDP_REQUEST_SID) return;
        const stream = offerUdpChannel(server, plain);
        stream?.write(Buffer.from('after'));
      });
      const result = await requestUdpChannel(client, plain, 10_000);
      assert.equal(result.kind, 'channel');
      if (result.kind !== 'channel') return;
      let got = Buffer.from(result.leftover);
      result.stream.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
      });
      result.stream.resume();
      while (got.length < 5) await once(result.stream, 'data');
      assert.equal(got.toString(), 'after');
      client.close();
      server.close();
    });
  }

  test('a server that ignores the request opens nothing and is refused after the timeout', async () => {
    const { client, server } = sessionPair(smuxConfig(2));
    const nops: number[] = [];
    let streams = 0;
    server.on('nop', (sid) => nops.push(sid));
    server.on('stream', () => streams++);
    const result = await requestUdpChannel(client, plain, 200);
    assert.deepEqual(result, { kind: 'refused', reason: 'no answer within 200 ms' });
    assert.deepEqual(nops, [UDP_REQUEST_SID]);
    assert.equal(streams, 0, 'the request opens no stream on the server');
    client.close();
    server.close();
  });

  test('a server stream that does not start with the hello is refused', async () => {
    const { client, server } = sessionPair(smuxConfig(2));
    server.on('nop', () => server.openStream().write(Buffer.from(UDP_HELLO.toString().toUpperCase())));
    const result = await requestUdpChannel(client, plain, 10_000);
    assert.equal(result.kind, 'refused');
    client.close();
    server.close();
  });

  test('a session that closes first says nothing about the server', async () => {
    const { client, server } = sessionPair(smuxConfig(2));
    const pending = requestUdpChannel(client, plain, 10_000);
    client.close();
    assert.deepEqual(await pending, { kind: 'closed' });
    server.close();
  });
});
