/**
 * `node tcp-flood.js SRC_IP DST_IP DST_PORT COUNT`: send COUNT fake-TCP segments (PSH|ACK with a small
 * payload) from SRC_IP to DST_IP:DST_PORT on a raw socket, each from another source port and with no
 * connection behind it: COUNT new peers for a -tcp server's flow table. Paced in small batches so that the
 * receiver's raw socket buffer keeps them all. Run as root inside a network namespace; prints "sent N".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { RawTcpSocket } from '../../src/transport/raw-socket.js';
import { buildSegment, ipv4ToNumber, TCP_HEADER_SIZE } from '../../src/transport/tcp-segment.js';

const BATCH = 200;
const PAUSE_MS = 5;
const FIRST_PORT = 10_000;
const PAYLOAD = Buffer.from('not a kcp datagram');

async function main(src: string, dst: string, dstPort: number, count: number): Promise<void> {
  const srcIp = ipv4ToNumber(src);
  const dstIp = ipv4ToNumber(dst);
  const raw = RawTcpSocket.open({ localIp: srcIp, remoteIp: dstIp, sockbuf: 0 }, () => {});
  const buf = Buffer.alloc(TCP_HEADER_SIZE + PAYLOAD.length);
  PAYLOAD.copy(buf, TCP_HEADER_SIZE);
  let sent = 0;
  for (let i = 0; i < count; i++) {
    const fields = { srcPort: FIRST_PORT + i, dstPort, seq: i, ack: 1, window: 0xffff };
    const len = buildSegment(buf, PAYLOAD.length, fields, srcIp, dstIp);
    if (raw.send(buf, len) === null) sent++;
    if (i % BATCH === BATCH - 1) await sleep(PAUSE_MS);
  }
  raw.close();
  process.stdout.write(`sent ${sent}\n`);
}

// Run only as a program with its four arguments: `node --test dist/test/` also runs this file, without them.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.length === 6) {
  const [src, dst, port, count] = process.argv.slice(2);
  main(src!, dst!, Number(port), Number(count)).catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
