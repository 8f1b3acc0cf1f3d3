import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { AesCfbBlockCrypt, CFB_INITIAL_VECTOR } from '../src/crypt/aes.js';
import { DatagramBatch } from '../src/crypt/batch.js';
import { CRYPT_METHODS, createPacketCrypt } from '../src/crypt/select.js';
import type { BlockCrypt } from '../src/crypt/types.js';

/** A full-size kcptun datagram (default -mtu 1350 is close; 1400 matches the Go reference figure). */
const DATAGRAM_SIZE = 1400;
/** Time spent measuring each method, after warm-up. */
const MEASURE_MS = 400;
const WARMUP_ROUNDS = 2000;
const PASS = Buffer.from('25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444', 'hex');

/** Runs `op` repeatedly for about MEASURE_MS and returns microseconds per call. */
function measure(op: () => void): number {
  for (let i = 0; i < WARMUP_ROUNDS; i++) op();
  let calls = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(MEASURE_MS) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 200; i++) op();
    calls += 200;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / 1000 / calls;
}

function line(label: string, microseconds: number, bytes: number): string {
  const mbPerSecond = bytes / microseconds;
  return `${label.padEnd(34)} ${microseconds.toFixed(2).padStart(7)} µs/packet ${mbPerSecond.toFixed(1).padStart(8)} MB/s`;
}

/** What the persistent contexts replace: a fresh OpenSSL CFB context per packet. */
function naiveAesCfb(key: Buffer): BlockCrypt {
  const algorithm = `aes-${key.length * 8}-cfb`;
  return {
    encrypt(buf, len) {
      createCipheriv(algorithm, key, CFB_INITIAL_VECTOR).update(buf.subarray(0, len)).copy(buf);
    },
    decrypt(buf, len) {
      createDecipheriv(algorithm, key, CFB_INITIAL_VECTOR).update(buf.subarray(0, len)).copy(buf);
    },
  };
}

function blockLines(): string[] {
  const lines: string[] = [];
  const buf = randomFillSync(Buffer.alloc(DATAGRAM_SIZE));
  for (const keySize of [16, 32]) {
    const key = PASS.subarray(0, keySize);
    for (const [kind, block] of [
      ['persistent', new AesCfbBlockCrypt(key)],
      ['naive', naiveAesCfb(key)],
    ] as const) {
      const label = `AES-${keySize * 8}-CFB ${kind}`;
      lines.push(
        line(
          `${label} encrypt`,
          measure(() => block.encrypt(buf, DATAGRAM_SIZE)),
          DATAGRAM_SIZE,
        ),
      );
      lines.push(
        line(
          `${label} decrypt`,
          measure(() => block.decrypt(buf, DATAGRAM_SIZE)),
          DATAGRAM_SIZE,
        ),
      );
    }
  }
  return lines;
}

/** seal + open of one 1400-byte datagram for every method createPacketCrypt can build. */
function packetLines(): string[] {
  const lines: string[] = [];
  const buf = Buffer.alloc(DATAGRAM_SIZE);
  for (const method of CRYPT_METHODS) {
    const { crypt, fellBackToAes } = createPacketCrypt(method, PASS);
    if (fellBackToAes) {
      lines.push(`${method.padEnd(34)} unavailable (falls back to aes)`);
      continue;
    }
    const end = DATAGRAM_SIZE - crypt.trailerSize;
    randomFillSync(buf);
    const microseconds = measure(() => {
      if (crypt.open(buf, crypt.seal(buf, end)) !== end) throw new Error(`${method}: round trip failed`);
    });
    lines.push(line(`${method} seal+open`, microseconds, DATAGRAM_SIZE));
  }
  return lines;
}

/** Datagrams per receive call of mmsg-io, opened one by one or as one batch (openMany). */
const RECEIVE_BATCH = 64;

/** open() of a receive call's datagrams one by one against openMany on them all, per datagram. */
function batchLines(): string[] {
  const lines: string[] = [];
  for (const method of ['aes', 'aes-128', 'none']) {
    const { crypt } = createPacketCrypt(method, PASS);
    const sealed: Buffer[] = [];
    for (let i = 0; i < RECEIVE_BATCH; i++) {
      const buf = randomFillSync(Buffer.alloc(DATAGRAM_SIZE));
      crypt.seal(buf, DATAGRAM_SIZE);
      sealed.push(buf);
    }
    const work = sealed.map((b) => Buffer.from(b));
    const batch = new DatagramBatch();
    const single = measure(() => {
      for (let i = 0; i < RECEIVE_BATCH; i++) {
        sealed[i].copy(work[i]);
        if (crypt.open(work[i], DATAGRAM_SIZE) !== DATAGRAM_SIZE) throw new Error(`${method}: open failed`);
      }
    });
    const many = measure(() => {
      batch.clear();
      for (let i = 0; i < RECEIVE_BATCH; i++) {
        sealed[i].copy(work[i]);
        batch.add(work[i], 0, DATAGRAM_SIZE);
      }
      crypt.openMany!(batch);
      if (batch.ends[RECEIVE_BATCH - 1] !== DATAGRAM_SIZE) throw new Error(`${method}: openMany failed`);
    });
    lines.push(line(`${method} open x${RECEIVE_BATCH} one by one`, single / RECEIVE_BATCH, DATAGRAM_SIZE));
    lines.push(line(`${method} openMany x${RECEIVE_BATCH}`, many / RECEIVE_BATCH, DATAGRAM_SIZE));
  }
  return lines;
}

/** Send batch sizes of mmsg-io (1 to its 64) and the two datagram sizes of a bulk sender: data, ACK-only. */
const SEAL_BATCHES = [1, 8, 32, 64];
const ACK_DATAGRAM_SIZE = 120;
/** mmsg-io's send slot stride: the sealed datagrams sit back to back in one buffer, as there. */
const SLOT_SIZE = 1536;

/** seal() one by one against prepare + sealMany on a send batch (mmsg-io's flush), per datagram. */
function sealLines(): string[] {
  const lines: string[] = [];
  for (const method of ['aes', 'aes-128']) {
    const { crypt } = createPacketCrypt(method, PASS);
    const sealer = crypt.batchSealer!;
    for (const size of [DATAGRAM_SIZE, ACK_DATAGRAM_SIZE]) {
      for (const count of SEAL_BATCHES) {
        const slots = randomFillSync(Buffer.alloc(count * SLOT_SIZE));
        const bufs = Array.from({ length: count }, (_, i) =>
          slots.subarray(i * SLOT_SIZE, (i + 1) * SLOT_SIZE),
        );
        const batch = new DatagramBatch();
        const single = measure(() => {
          for (let i = 0; i < count; i++) crypt.seal(bufs[i], size);
        });
        const many = measure(() => {
          batch.clear();
          for (let i = 0; i < count; i++) batch.add(bufs[i], 0, sealer.prepare(bufs[i], size));
          sealer.sealMany(batch);
        });
        lines.push(line(`${method} ${size} B seal x${count}`, single / count, size));
        lines.push(line(`${method} ${size} B sealMany x${count}`, many / count, size));
      }
    }
  }
  return lines;
}

export async function run(): Promise<string[]> {
  return [
    `crypt, ${DATAGRAM_SIZE}-byte datagrams`,
    ...blockLines(),
    ...packetLines(),
    ...batchLines(),
    ...sealLines(),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const text of await run()) console.log(text);
}
