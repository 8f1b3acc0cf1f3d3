/**
 * `node kcp-sender.js PORT BYTES`: dial a KCP session to 127.0.0.1:PORT (the session tests' settings: FEC
 * 10/3, aes, windows 1024), wrap it in snappy as the tunnel does, and write streamBytes(BYTES) in 8 KiB
 * pieces (smux's frame size) as fast as the session takes them, acknowledging what comes back at once. A sender in
 * another process keeps sending while the receiving test process stalls (test/transport/stall-read).
 */
import { createCipheriv } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SnappyConnection } from '../../src/compress/snappy-connection.js';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { dialSession } from '../../src/transport/dial.js';
import type { SessionOptions } from '../../src/transport/session.js';

const PIECE = 8192;

/** The session settings both ends use. */
export function senderOptions(): SessionOptions {
  return {
    crypt: createPacketCrypt('aes', deriveKey('kcp-sender')).crypt,
    dataShards: 10,
    parityShards: 3,
    mtu: 1350,
    sndWnd: 1024,
    rcvWnd: 1024,
    nodelay: 1,
    interval: 10,
    resend: 2,
    nc: 1,
    ackNoDelay: false,
  };
}

/** The bytes the sender writes: an AES-CTR keystream, the same in every process, and incompressible. */
export function streamBytes(bytes: number): Buffer {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16));
  return cipher.update(Buffer.alloc(bytes));
}

async function main(port: number, bytes: number): Promise<void> {
  const data = streamBytes(bytes);
  // ACKs at once, so that the receiver's session is idle again when it next writes
  const options = { ...senderOptions(), ackNoDelay: true, sockbuf: 4 << 20 };
  const session = await dialSession('127.0.0.1', port, options);
  const conn = new SnappyConnection(session);
  let sent = 0;
  const pump = (): void => {
    while (sent < bytes) {
      const piece = data.subarray(sent, sent + PIECE);
      sent += piece.length;
      if (!conn.write(piece)) return;
    }
  };
  conn.attach({ onData: () => {}, onDrain: pump, onClose: () => {} });
  pump();
}

// Run only as a program with its two arguments: `node --test dist/test/` also runs this file, without them.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.length === 4) {
  const [port, bytes] = process.argv.slice(2);
  // the test holds our stdin open: exit when it ends, even if the test process died without killing us
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  main(Number(port), Number(bytes)).catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
