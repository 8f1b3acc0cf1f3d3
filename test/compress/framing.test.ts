import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SnappyFrameReader, type SnappyFramingError } from '../../src/compress/frame-reader.js';
import { MAX_CHUNK_DATA_SIZE, SnappyFrameWriter } from '../../src/compress/framing.js';
import { goCorpusWrites, randomBytes, seededRandom, textLike } from './fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const IDENTIFIER = 'ff060000734e61507059';
const SYN = '0100000003000000';
const SYN_CHUNK = `010c00004439ac2f${SYN}`;
const PSH_64A_CHUNK = '00120000553f0e3d4820010240000300000061fa0100';
/**
 * SHA-256 of what Go's golang/snappy v0.0.2 NewBufferedWriter writes for goCorpusWrites() with a Flush after
 * each Write (kcptun's CompStream), from a throwaway Go program; the amd64 assembly and the pure Go (noasm)
 * encoders gave the same bytes. Go's Reader also decoded our output of this corpus back to the input.
 */
const GO_CORPUS_FRAMED_SHA256 = 'ccf01d8b51d542d8c1f8e5374b16233b59ea513d5fb90211ae32a424f61d3bca';

/** Frames each write like kcptun's CompStream.Write: chunks of at most 64 KiB. */
function frameWrites(writer: SnappyFrameWriter, writes: Buffer[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (const w of writes) {
    for (let at = 0; at < w.length; at += MAX_CHUNK_DATA_SIZE) {
      chunks.push(writer.frameChunk(w.subarray(at, Math.min(at + MAX_CHUNK_DATA_SIZE, w.length))));
    }
  }
  return chunks;
}

interface ReadResult {
  chunks: Buffer[];
  error: SnappyFramingError | null;
  midChunk: boolean;
}

/** Feeds `stream` to a fresh reader in pieces whose sizes come from `pieceSize`. */
function readAll(stream: Buffer, pieceSize: () => number = () => stream.length): ReadResult {
  const chunks: Buffer[] = [];
  const reader = new SnappyFrameReader((data) => chunks.push(data));
  let error: SnappyFramingError | null = null;
  for (let at = 0; at < stream.length && error === null; ) {
    const n = Math.max(1, pieceSize());
    error = reader.push(stream.subarray(at, at + n));
    at += n;
  }
  return { chunks, error, midChunk: reader.midChunk };
}

function randomPieces(seed: number, max: number): () => number {
  const next = seededRandom(seed);
  return () => 1 + ((next() * max) | 0);
}

test('docs/protocol.md §11.6: the first write is the identifier plus an uncompressed chunk, then a compressed chunk', () => {
  const writer = new SnappyFrameWriter();
  assert.equal(writer.frameChunk(hex(SYN)).toString('hex'), IDENTIFIER + SYN_CHUNK);
  const psh = Buffer.concat([hex('0102400003000000'), Buffer.alloc(64, 'a')]);
  // Our encoder runs Go's matcher, so the compressed chunk is byte-identical to Go's.
  assert.equal(writer.frameChunk(psh).toString('hex'), PSH_64A_CHUNK);
});

test('docs/protocol.md §11.6 stream decodes, whole and one byte at a time', () => {
  const stream = hex(IDENTIFIER + SYN_CHUNK + PSH_64A_CHUNK);
  const expected = [hex(SYN), Buffer.concat([hex('0102400003000000'), Buffer.alloc(64, 'a')])];
  for (const pieces of [() => stream.length, () => 1]) {
    const result = readAll(stream, pieces);
    assert.equal(result.error, null);
    assert.deepEqual(result.chunks, expected);
    assert.equal(result.midChunk, false);
  }
});

test("our framing of a mixed corpus is byte-identical to Go's, and reads back", () => {
  const writes = goCorpusWrites();
  const stream = Buffer.concat(frameWrites(new SnappyFrameWriter(), writes));
  assert.equal(createHash('sha256').update(stream).digest('hex'), GO_CORPUS_FRAMED_SHA256);
  const result = readAll(stream, randomPieces(5, 3000));
  assert.equal(result.error, null);
  assert.deepEqual(Buffer.concat(result.chunks), Buffer.concat(writes));
});

test('chunk type follows the 12.5 % rule: text compressed, random data stored', () => {
  const writer = new SnappyFrameWriter();
  writer.frameChunk(Buffer.from('x'));
  assert.equal(writer.frameChunk(textLike(4000, 1))[0], 0x00);
  assert.equal(writer.frameChunk(randomBytes(4000, 1))[0], 0x01);
});

test('writes above 64 KiB become several chunks, the identifier only before the first', () => {
  const writer = new SnappyFrameWriter();
  const raw = randomBytes(150000, 4);
  const chunks = frameWrites(writer, [raw]);
  assert.equal(chunks.length, 3);
  assert.equal(chunks[0].subarray(0, 10).toString('hex'), IDENTIFIER);
  assert.notEqual(chunks[1][0], 0xff);
  const result = readAll(Buffer.concat(chunks));
  assert.deepEqual(
    result.chunks.map((c) => c.length),
    [65536, 65536, 150000 - 2 * 65536],
  );
  assert.deepEqual(Buffer.concat(result.chunks), raw);
});

test('round trips of 0..200000 bytes split at random boundaries', () => {
  const next = seededRandom(21);
  const sizes = [0, 1, 7, 8, 9, 65535, 65536, 65537, 131072, 200000];
  for (let i = 0; i < 12; i++) sizes.push((next() * 200001) | 0);
  sizes.forEach((size, i) => {
    for (const raw of [randomBytes(size, i), textLike(size, i)]) {
      const writer = new SnappyFrameWriter();
      // Several writes per stream, like successive smux frames.
      const cut = (next() * size) | 0;
      const writes = [raw.subarray(0, cut), raw.subarray(cut)].filter((w) => w.length > 0);
      const stream = Buffer.concat(frameWrites(writer, writes));
      const result = readAll(stream, randomPieces(i, 1 + ((next() * 20000) | 0)));
      assert.equal(result.error, null);
      assert.deepEqual(Buffer.concat(result.chunks), raw, `size ${size}`);
    }
  });
});

test('stream errors, as Go v0.0.2 reports them (checked against Go), whole and byte by byte', () => {
  const pad = (type: number, length: number): string =>
    Buffer.concat([
      Buffer.from([type, length & 0xff, (length >> 8) & 0xff, length >> 16]),
      Buffer.alloc(length),
    ]).toString('hex');
  const cases: Array<[string, string, string | null]> = [
    ['no stream identifier', SYN_CHUNK, 'corrupt'],
    ['bad checksum', `${IDENTIFIER}010c00004439ac2e${SYN}`, 'corrupt'],
    ['reserved unskippable type 0x02', `${IDENTIFIER}02040000aaaaaaaa`, 'unsupported'],
    ['reserved unskippable type 0x7f', `${IDENTIFIER}7f000000`, 'unsupported'],
    ['identifier of 7 bytes', `${IDENTIFIER}ff070000734e615070595a`, 'corrupt'],
    ['identifier with a wrong body', `${IDENTIFIER}ff060000734e61507058`, 'corrupt'],
    ['data chunk too short for a checksum', `${IDENTIFIER}00030000d8ea82`, 'corrupt'],
    ['compressed chunk with an invalid block', `${IDENTIFIER}00060000d8ea82a20100`, 'corrupt'],
    ['compressed chunk declaring 65537 bytes', `${IDENTIFIER}0007000000000000818004`, 'corrupt'],
    ['padding above the maximum chunk', IDENTIFIER + pad(0xfe, 76495), 'unsupported'],
    ['uncompressed chunk of 65537 bytes', `${IDENTIFIER}01050001${'00'.repeat(65541)}`, 'corrupt'],
    ['padding, skippable 0x80, repeated identifier, empty chunks', '', null],
  ];
  const okStream =
    IDENTIFIER +
    pad(0xfe, 3) +
    SYN_CHUNK +
    pad(0x80, 1) +
    pad(0xfd, 0) +
    IDENTIFIER +
    pad(0xfe, 76494) +
    '00050000d8ea82a200' +
    '01040000d8ea82a2' +
    SYN_CHUNK;
  cases[cases.length - 1][1] = okStream;
  for (const [name, stream, code] of cases) {
    for (const pieces of [undefined, () => 1]) {
      const result = readAll(hex(stream), pieces);
      assert.equal(result.error?.code ?? null, code, name);
      if (code === null) assert.deepEqual(result.chunks, [hex(SYN), hex(SYN)], name);
    }
  }
});

test('a missing identifier: the error holds the refused header, and the reader stays failed', () => {
  const chunks: Buffer[] = [];
  const reader = new SnappyFrameReader((data) => chunks.push(data));
  const error = reader.push(hex(SYN_CHUNK));
  assert.ok(error);
  assert.match(error.message, /stream identifier/);
  assert.deepEqual(error.firstBytes, new Uint8Array(hex(SYN_CHUNK).subarray(0, 4)));
  assert.equal(reader.push(hex(IDENTIFIER + SYN_CHUNK)), error);
  assert.equal(chunks.length, 0);
});

test('a stream cut inside a chunk is visible as midChunk', () => {
  const full = hex(IDENTIFIER + SYN_CHUNK);
  for (let cut = 1; cut < full.length; cut++) {
    const result = readAll(full.subarray(0, cut));
    assert.equal(result.error, null);
    assert.equal(result.midChunk, cut !== 10, `cut at ${cut}`);
  }
});

test('random garbage and corrupted streams end in an error, never a throw', () => {
  const next = seededRandom(77);
  const good = Buffer.concat(
    frameWrites(new SnappyFrameWriter(), [textLike(20000, 2), randomBytes(3000, 2)]),
  );
  let garbageFailures = 0;
  let mutationsNoticed = 0;
  const rounds = 400;
  for (let i = 0; i < rounds; i++) {
    const garbage = Buffer.concat([hex(IDENTIFIER), randomBytes(1 + ((next() * 300) | 0), i)]);
    if (readAll(garbage, randomPieces(i, 50)).error !== null) garbageFailures++;
    const mutated = Buffer.from(good);
    mutated[10 + ((next() * (mutated.length - 10)) | 0)] ^= 1 + ((next() * 255) | 0);
    const result = readAll(mutated, randomPieces(i, 4000));
    // A flipped type byte can turn a data chunk into a skippable one (Go then skips it too); anything
    // else breaks the framing or a checksum.
    if (result.error !== null || result.midChunk) mutationsNoticed++;
  }
  assert.ok(garbageFailures > rounds * 0.9, `${garbageFailures} garbage streams failed`);
  assert.ok(mutationsNoticed > rounds * 0.95, `${mutationsNoticed} mutations noticed`);
});

test('a push made from inside a delivery waits for the running push: the stream stays in order', () => {
  const writer = new SnappyFrameWriter();
  const writes = [Buffer.alloc(300, 0x61), randomBytes(500, 7), Buffer.alloc(200, 0x62)];
  const framed = frameWrites(writer, writes);
  const stream = Buffer.concat(framed);
  const endOfFirst = framed[0]!.length; // the identifier and the first chunk
  const endOfSecond = endOfFirst + framed[1]!.length;
  // The re-entrant piece starts at the next chunk's boundary (plain reordering) or 3 bytes into its
  // header (a mid-header parse).
  for (const cut of [endOfSecond, endOfFirst + 3]) {
    const delivered: Buffer[] = [];
    let reentered = false;
    const reader = new SnappyFrameReader((data) => {
      delivered.push(data);
      if (!reentered) {
        reentered = true;
        assert.equal(reader.push(stream.subarray(cut)), null);
      }
    });
    assert.equal(reader.push(stream.subarray(0, cut)), null, `cut ${cut}`);
    assert.deepEqual(Buffer.concat(delivered), Buffer.concat(writes), `cut ${cut}`);
    assert.equal(reader.midChunk, false);
  }
});
