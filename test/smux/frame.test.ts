import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CMD_FIN,
  CMD_NOP,
  CMD_PSH,
  CMD_SYN,
  CMD_UPD,
  encodeControlFrame,
  encodeDataFrame,
  encodeUpdFrame,
} from '../../src/smux/frame.js';
import { FrameReader, READ_ERROR, READ_FRAME, READ_INCOMPLETE } from '../../src/smux/frame-reader.js';
import { plausibleGarbage, referenceParse, seededRandom } from './frame-oracle.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// docs/protocol.md §6.1, §11.7: frames captured live between kcptun 20210922 ends.
const SYN3 = '0100000003000000';
const PSH3_HELLO = `01020b0003000000${Buffer.from('hello world').toString('hex')}`;
const FIN3 = '0101000003000000';
const NOP = '0103000000000000';
const UPD3 = '020408000300000002000000 00002000';

describe('frame encoding', () => {
  test('v1 SYN, PSH, FIN, NOP match the captured bytes', () => {
    assert.deepEqual(encodeControlFrame(1, CMD_SYN, 3), hex(SYN3));
    const hello = Buffer.from('xxhello worldyy');
    assert.deepEqual(encodeDataFrame(1, 3, hello, 2, 13), hex(PSH3_HELLO));
    assert.deepEqual(encodeControlFrame(1, CMD_FIN, 3), hex(FIN3));
    assert.deepEqual(encodeControlFrame(1, CMD_NOP, 0), hex(NOP));
  });

  test('v2 UPD consumed=2 window=2097152 matches the captured bytes', () => {
    assert.deepEqual(encodeUpdFrame(2, 3, 2, 2097152), hex(UPD3));
  });

  test('sid and counters are u32 little-endian', () => {
    assert.deepEqual(encodeControlFrame(2, CMD_SYN, 0xfffffffe), hex('02000000feffffff'));
    assert.deepEqual(encodeUpdFrame(2, 7, 0xffffffff, 65536), hex('0204080007000000ffffffff00000100'));
  });
});

interface Parsed {
  cmd: number;
  sid: number;
  payload: string;
  upd?: [number, number];
}

function parseAll(reader: FrameReader, out: Parsed[]): number {
  for (;;) {
    const r = reader.next();
    if (r !== READ_FRAME) return r;
    const p: Parsed = { cmd: reader.cmd, sid: reader.sid, payload: reader.payload.toString('hex') };
    if (reader.cmd === CMD_UPD) p.upd = [reader.updConsumed, reader.updWindow];
    out.push(p);
  }
}

describe('frame reader', () => {
  const v1Stream = hex(SYN3 + PSH3_HELLO + NOP + FIN3);
  const v1Expected: Parsed[] = [
    { cmd: CMD_SYN, sid: 3, payload: '' },
    { cmd: CMD_PSH, sid: 3, payload: Buffer.from('hello world').toString('hex') },
    { cmd: CMD_NOP, sid: 0, payload: '' },
    { cmd: CMD_FIN, sid: 3, payload: '' },
  ];

  test('parses a v1 byte stream split at every pair of positions', () => {
    for (let i = 0; i <= v1Stream.length; i++) {
      for (let j = i; j <= v1Stream.length; j++) {
        const reader = new FrameReader(1);
        const out: Parsed[] = [];
        for (const piece of [v1Stream.subarray(0, i), v1Stream.subarray(i, j), v1Stream.subarray(j)]) {
          reader.feed(piece);
          assert.equal(parseAll(reader, out), READ_INCOMPLETE);
        }
        assert.deepEqual(out, v1Expected, `split at ${i},${j}`);
        assert.equal(reader.bufferedBytes, 0);
      }
    }
  });

  test('parses v2 UPD and PSH fed one byte at a time', () => {
    const bytes = hex(`${UPD3}0202020003000000 6869`);
    const reader = new FrameReader(2);
    const out: Parsed[] = [];
    for (const b of bytes) {
      reader.feed(Buffer.from([b]));
      parseAll(reader, out);
    }
    assert.deepEqual(out, [
      { cmd: CMD_UPD, sid: 3, payload: '', upd: [2, 2097152] },
      { cmd: CMD_PSH, sid: 3, payload: '6869' },
    ]);
  });

  test('a 65535-byte PSH across many chunks', () => {
    const payload = Buffer.alloc(65535, 0xab);
    const frame = encodeDataFrame(1, 9, payload, 0, payload.length);
    const reader = new FrameReader(1);
    for (let at = 0; at < frame.length; at += 1000) {
      assert.equal(reader.next(), READ_INCOMPLETE);
      reader.feed(frame.subarray(at, at + 1000));
    }
    assert.equal(reader.next(), READ_FRAME);
    assert.equal(reader.sid, 9);
    assert.deepEqual(reader.payload, payload);
  });

  const errors: [string, number, string, RegExp][] = [
    ['wrong version (v2 frame on v1)', 1, '0200000003000000', /invalid protocol version 2, expected 1$/],
    ['wrong version (v1 frame on v2)', 2, SYN3, /invalid protocol version 1, expected 2$/],
    ['unknown command', 1, '0105000003000000', /unknown command 5/],
    ['UPD on v1', 1, '0104080003000000 0000000000000000', /UPD frame on a version 1 session/],
    ['UPD with length 4', 2, '0204040003000000 00000000', /UPD frame with length 4, expected 8/],
    ['SYN with a length', 1, '0100010003000000 00', /SYN frame with non-zero length 1/],
    ['FIN with a length', 1, '0101020003000000 0000', /FIN frame with non-zero length 2/],
    ['NOP with a length', 2, '0203010000000000 00', /NOP frame with non-zero length 1/],
  ];
  for (const [name, version, bytes, message] of errors) {
    test(`protocol error: ${name}`, () => {
      const reader = new FrameReader(version);
      // The header alone is enough to reject the frame.
      reader.feed(hex(bytes).subarray(0, 8));
      assert.equal(reader.next(), READ_ERROR);
      assert.match(reader.error!.message, message);
      assert.equal(reader.error!.code, 'PROTOCOL');
      reader.feed(hex(NOP));
      assert.equal(reader.next(), READ_ERROR, 'stays failed');
    });
  }

  test('random input: the frames, the error and the leftover of a whole-buffer parse, split anywhere', () => {
    const rand = seededRandom(12345);
    const errorKinds = new Set<string>();
    let clean = 0;
    let framesSeen = 0;
    for (let round = 0; round < 2000; round++) {
      const version = (round % 2) + 1;
      const data = plausibleGarbage(rand, version, 400);
      const expected = referenceParse(data, version);
      const reader = new FrameReader(version);
      const got: string[] = [];
      let result: number = READ_INCOMPLETE;
      for (let at = 0; at < data.length; ) {
        const n = 1 + (rand() % 40);
        reader.feed(data.subarray(at, at + n));
        at += n;
        for (result = reader.next(); result === READ_FRAME; result = reader.next()) {
          const body =
            reader.cmd === CMD_UPD
              ? `${reader.updConsumed}/${reader.updWindow}`
              : reader.payload.toString('hex');
          got.push(`${reader.cmd} ${reader.sid} ${body}`);
        }
      }
      const want = expected.frames.map((f) => {
        const body =
          f.cmd === CMD_UPD
            ? `${f.payload.readUInt32LE(0)}/${f.payload.readUInt32LE(4)}`
            : f.payload.toString('hex');
        return `${f.cmd} ${f.sid} ${body}`;
      });
      assert.deepEqual(got, want, `round ${round}: frames`);
      framesSeen += got.length;
      if (expected.error !== null) {
        assert.equal(result, READ_ERROR, `round ${round}: fails`);
        assert.equal(reader.error?.code, 'PROTOCOL');
        assert.match(reader.error!.message, expected.error.message, `round ${round}`);
        assert.equal(reader.bufferedBytes, 0, 'a failed reader holds nothing');
        reader.feed(hex(NOP));
        assert.equal(reader.next(), READ_ERROR, 'and stays failed');
        errorKinds.add(expected.error.kind);
      } else {
        assert.equal(result, READ_INCOMPLETE, `round ${round}: no error`);
        assert.equal(reader.error, null);
        assert.equal(
          reader.bufferedBytes,
          expected.rest,
          `round ${round}: the incomplete tail stays buffered`,
        );
        clean++;
      }
    }
    // The input reaches every outcome: clean ends, frames, and each kind of error.
    assert.ok(clean > 200 && clean < 1800, `${clean} rounds without an error`);
    assert.ok(framesSeen > 2000, `${framesSeen} frames`);
    assert.deepEqual([...errorKinds].sort(), [
      'UPD length',
      'UPD on v1',
      'command',
      'control length',
      'version',
    ]);
  });
});
