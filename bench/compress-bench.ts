/**
 * Snappy framing throughput at kcptun's granularity: each 8 KiB write is one chunk (smux frames are at
 * most 32 KiB + 8, usually far smaller). Random data exercises the stored-chunk path, text the compressed one.
 */
import { pathToFileURL } from 'node:url';
import { crc32c } from '../src/compress/crc32c.js';
import { SnappyFrameReader } from '../src/compress/frame-reader.js';
import { SnappyFrameWriter } from '../src/compress/framing.js';
import { randomBytes, textLike } from '../test/compress/fixtures.js';

const WRITE_SIZE = 8192;
/** Distinct writes per sample, so the data is not one block seen over and over. */
const WRITES_PER_ROUND = 64;
const MEASURE_MS = 400;
const WARMUP_ROUNDS = 20;

/** Runs `round` (which handles `bytesPerRound` bytes) for about MEASURE_MS; returns MB/s. */
function measure(bytesPerRound: number, round: () => void): number {
  for (let i = 0; i < WARMUP_ROUNDS; i++) round();
  let rounds = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(MEASURE_MS) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    round();
    rounds++;
    now = process.hrtime.bigint();
  }
  return (bytesPerRound * rounds) / (Number(now - start) / 1000);
}

function line(label: string, mbPerSecond: number, note = ''): string {
  return `${label.padEnd(34)} ${mbPerSecond.toFixed(0).padStart(6)} MB/s${note}`;
}

function kindLines(kind: string, writes: Buffer[]): string[] {
  const bytes = writes.length * WRITE_SIZE;
  const frameAll = (): Buffer[] => {
    const writer = new SnappyFrameWriter();
    return writes.map((w) => writer.frameChunk(w));
  };
  const framed = frameAll();
  const wire = Buffer.concat(framed);
  const ratio = ` (wire/raw ${(wire.length / bytes).toFixed(3)})`;
  let delivered = 0;
  const readAll = (stream: Buffer[]): void => {
    const reader = new SnappyFrameReader((data) => {
      delivered += data.length;
    });
    for (const piece of stream) {
      if (reader.push(piece) !== null) throw new Error(`${kind}: read failed`);
    }
  };
  // The wire as KCP would hand it over: pieces of about one segment, unrelated to chunk boundaries.
  const segments: Buffer[] = [];
  for (let at = 0; at < wire.length; at += 1376) segments.push(wire.subarray(at, at + 1376));

  const lines = [
    line(`${kind} write`, measure(bytes, frameAll), ratio),
    line(
      `${kind} read (whole chunks)`,
      measure(bytes, () => readAll(framed)),
    ),
    line(
      `${kind} read (1376-byte pieces)`,
      measure(bytes, () => readAll(segments)),
    ),
    line(
      `${kind} write+read`,
      measure(bytes, () => readAll(frameAll())),
    ),
  ];
  if (delivered === 0) throw new Error(`${kind}: nothing decoded`);
  return lines;
}

export async function run(): Promise<string[]> {
  const random: Buffer[] = [];
  const text: Buffer[] = [];
  for (let i = 0; i < WRITES_PER_ROUND; i++) {
    random.push(randomBytes(WRITE_SIZE, i));
    text.push(textLike(WRITE_SIZE, i));
  }
  const crcData = random[0];
  return [
    `compress (snappy framing), ${WRITE_SIZE}-byte writes`,
    line(
      'crc32c',
      measure(crcData.length, () => crc32c(crcData)),
    ),
    ...kindLines('random', random),
    ...kindLines('text', text),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const text of await run()) console.log(text);
}
