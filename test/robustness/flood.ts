import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rng } from '../../bench/fuzz/rng.js';
import { kcpSegment, sealNone } from '../../bench/fuzz/wire.js';
import { KCP_CMD_ACK } from '../../src/kcp/index.js';

const PARALLEL = 100;

/** Bind a socket on `host`, send one datagram to 127.0.0.1:port, close it. */
async function sendOnce(host: string, port: number, datagram: Buffer): Promise<void> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  await new Promise<void>((resolve) => socket.send(datagram, port, '127.0.0.1', () => resolve()));
  socket.close();
}

/**
 * `count` datagrams, each from its own address 127.x.y.z, each a `-crypt none` KCP ACK of a random conv:
 * every one opens a server session that never delivers data. `afterBatch` runs between batches.
 */
export async function floodFromNewAddresses(
  port: number,
  count: number,
  seed: number,
  afterBatch: () => void = () => {},
): Promise<void> {
  const rng = new Rng(seed);
  for (let sent = 0; sent < count; sent += PARALLEL) {
    const batch: Promise<void>[] = [];
    for (let i = sent; i < Math.min(count, sent + PARALLEL); i++) {
      const host = `127.${1 + ((i >>> 16) & 0x7f)}.${(i >>> 8) & 0xff}.${(i & 0xff) | 1}`;
      const datagram = sealNone(kcpSegment({ conv: rng.u32(), cmd: KCP_CMD_ACK, sn: rng.u32() }), rng);
      batch.push(sendOnce(host, port, datagram));
    }
    await Promise.all(batch);
    // Give the receiving side (maybe in this process) a turn at its socket before the next batch.
    await sleep(1);
    afterBatch();
  }
}
