/**
 * FEC layer throughput: the Reed-Solomon kernel on kcptun's default 10+3 groups of 1350-byte shards (both
 * kernels), and the packet-level encoder/decoder with the per-packet work the transport does.
 */
import { pathToFileURL } from 'node:url';
import { FecDecoder } from '../src/fec/decoder.js';
import { FecEncoder } from '../src/fec/encoder.js';
import type { KernelChoice } from '../src/fec/kernel.js';
import { ReedSolomon } from '../src/fec/reed-solomon.js';
import { parityDatagrams } from '../test/support/fec-parity.js';

const DATA_SHARDS = 10;
const PARITY_SHARDS = 3;
const SHARD_SIZE = 1350;
/** CFB crypt header in front of every FEC packet, as on the wire. */
const CRYPT_HEADER = 20;
const MEASURE_MS = 400;
const WARMUP_ROUNDS = 500;

/** Runs `op` repeatedly for about MEASURE_MS and returns calls per second. */
function rate(op: () => void): number {
  for (let i = 0; i < WARMUP_ROUNDS; i++) op();
  let calls = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(MEASURE_MS) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) op();
    calls += 50;
    now = process.hrtime.bigint();
  }
  return (calls * 1e9) / Number(now - start);
}

function fillRandom(buf: Uint8Array, length: number): void {
  for (let i = 0; i < length; i++) buf[i] = (Math.random() * 256) | 0;
}

/** MB/s of data shard bytes coded (10 x 1350 per call). */
function kernelLines(kernel: KernelChoice): string[] {
  const rs = new ReedSolomon(DATA_SHARDS, PARITY_SHARDS, { kernel });
  for (let i = 0; i < DATA_SHARDS; i++) fillRandom(rs.shards[i], SHARD_SIZE);
  const groupBytes = DATA_SHARDS * SHARD_SIZE;
  const encode = rate(() => rs.encode(SHARD_SIZE));
  const lines = [`RS ${rs.kernelName.padEnd(9)} encode ${DATA_SHARDS}+${PARITY_SHARDS}x${SHARD_SIZE}`];
  lines[0] += `  ${((encode * groupBytes) / 1e6).toFixed(0).padStart(6)} MB/s`;
  rs.encode(SHARD_SIZE);
  for (const lost of [1, PARITY_SHARDS]) {
    const present = new Uint8Array(DATA_SHARDS + PARITY_SHARDS).fill(1);
    for (let k = 0; k < lost; k++) present[k * 3] = 0;
    const reconstruct = rate(() => rs.reconstructData(present, SHARD_SIZE));
    lines.push(
      `RS ${rs.kernelName.padEnd(9)} reconstruct ${lost} lost     ${((reconstruct * groupBytes) / 1e6).toFixed(0).padStart(6)} MB/s`,
    );
  }
  return lines;
}

/** A group's worth of full-size FEC datagrams from the real encoder. */
function encodedGroups(groups: number): Buffer[] {
  const enc = new FecEncoder(DATA_SHARDS, PARITY_SHARDS, CRYPT_HEADER);
  const out: Buffer[] = [];
  for (let i = 0; i < groups * DATA_SHARDS; i++) {
    const pkt = Buffer.alloc(CRYPT_HEADER + 8 + SHARD_SIZE - 2);
    fillRandom(pkt.subarray(CRYPT_HEADER + 8), SHARD_SIZE - 2);
    const n = enc.encode(pkt, pkt.length);
    out.push(pkt);
    out.push(...parityDatagrams(enc, n));
  }
  return out;
}

function packetLines(): string[] {
  const enc = new FecEncoder(DATA_SHARDS, PARITY_SHARDS, CRYPT_HEADER, 0);
  const pkt = Buffer.alloc(CRYPT_HEADER + 8 + SHARD_SIZE - 2);
  fillRandom(pkt, pkt.length);
  const encodeRate = rate(() => enc.encode(pkt, pkt.length));

  // Decoder: a long stream replayed with fresh seqids, one data shard lost per group, so every group recovers.
  const groupSize = DATA_SHARDS + PARITY_SHARDS;
  const stream = encodedGroups(64).filter((_, i) => i % groupSize !== 0);
  const dec = new FecDecoder(DATA_SHARDS, PARITY_SHARDS);
  let next = 0;
  let seqidBase = 0;
  let recovered = 0;
  const decodeRate = rate(() => {
    const p = stream[next];
    p.writeUInt32LE((p.readUInt32LE(CRYPT_HEADER) % (64 * groupSize)) + seqidBase, CRYPT_HEADER);
    recovered += dec.decode(p, CRYPT_HEADER, p.length, 0);
    if (++next === stream.length) {
      next = 0;
      seqidBase += 64 * groupSize;
    }
  });
  if (recovered === 0) throw new Error('fec bench: the decoder recovered nothing');
  return [
    `FecEncoder.encode ${SHARD_SIZE + 6}-byte packets   ${(encodeRate / 1e3).toFixed(0).padStart(6)} kpkt/s`,
    `FecDecoder.decode, 1 loss per group    ${(decodeRate / 1e3).toFixed(0).padStart(6)} kpkt/s`,
  ];
}

export async function run(): Promise<string[]> {
  return [...kernelLines('auto'), ...kernelLines('js'), ...packetLines()];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const text of await run()) console.log(text);
}
