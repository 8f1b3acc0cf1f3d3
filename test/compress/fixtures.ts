/** Deterministic sample data for the compression tests and benchmark (no test cases in this file). */

/** mulberry32: a tiny seeded PRNG, so failures reproduce and Go-derived digests stay valid. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Incompressible bytes. */
export function randomBytes(length: number, seed: number): Buffer {
  const next = seededRandom(seed);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (next() * 256) | 0;
  return out;
}

const WORDS = (
  'the of and to in a is that for it as was with be by on not he I this are or his from at which but have an ' +
  'they you were her she there been one all we their has would when if so no will more out up into do any your ' +
  'what some can only other new time could these two may then first about my like over such our man me even ' +
  'most made after also did many before must through back years where much way well down should because each ' +
  'tunnel packet window stream session frame header payload checksum latency bandwidth congestion'
).split(' ');
const PUNCTUATION = ['.', ',', ';', '!', '?', ':'];

/** English-like prose: words drawn from a small vocabulary, punctuation, line breaks. Compresses roughly 2:1. */
export function textLike(length: number, seed: number): Buffer {
  const next = seededRandom(seed);
  const parts: string[] = [];
  let size = 0;
  let lineLength = 0;
  while (size < length) {
    let word = WORDS[(next() * WORDS.length) | 0];
    if (next() < 0.08) word += PUNCTUATION[(next() * PUNCTUATION.length) | 0];
    const separator = lineLength > 70 ? '\n' : ' ';
    lineLength = separator === '\n' ? 0 : lineLength + word.length + 1;
    parts.push(word, separator);
    size += word.length + 1;
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, length);
}

/** Sizes of successive writes, cycling through small frames, a 64 KiB boundary case and a multi-chunk write. */
export const WRITE_SIZES = [1, 8, 16, 17, 40, 100, 1024, 4096, 8200, 32768, 65535, 65536, 65537, 150000];

/**
 * A stream of writes like smux frames alternating between text and random payloads, used for the digests of
 * Go's framing output (the same plan is replayed by Go's NewBufferedWriter with a Flush after every Write).
 */
export function goCorpusWrites(): Buffer[] {
  const writes: Buffer[] = [];
  WRITE_SIZES.forEach((size, i) => {
    writes.push(textLike(size, 1000 + i));
    writes.push(randomBytes(size, 2000 + i));
  });
  writes.push(Buffer.alloc(70000, 0x61));
  return writes;
}
