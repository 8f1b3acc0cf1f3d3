/**
 * The tests' port picks: below the kernel's ephemeral range, where no socket bound or connected without a
 * port can take them between the pick and the bind (ports.ts).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { test } from 'node:test';
import { ephemeralLow, freeTcpPort, freeUdpPort } from './ports.js';

test('free ports come from below the ephemeral range, and bind', async () => {
  const low = ephemeralLow();
  for (let i = 0; i < 20; i++) {
    const [tcp, udp] = await Promise.all([freeTcpPort(), freeUdpPort()]);
    assert.ok(tcp > 0 && tcp < low, `TCP ${tcp} below ${low}`);
    assert.ok(udp > 0 && udp < low, `UDP ${udp} below ${low}`);
  }
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    freeTcpPort().then((port) => server.listen(port, '127.0.0.1', resolve), reject);
  });
  server.close();
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    freeUdpPort().then((port) => socket.bind(port, '127.0.0.1', resolve), reject);
  });
  socket.close();
});
