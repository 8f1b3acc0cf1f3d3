import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SnappyFrameReader } from '../../src/compress/frame-reader.js';
import { SnappyFrameWriter } from '../../src/compress/framing.js';
import { FrameReader, READ_ERROR, READ_FRAME } from '../../src/smux/frame-reader.js';
import { readSessionStart } from '../../src/tunnel/session-start.js';

const SYN_V1 = Buffer.from('0100000003000000', 'hex');
const SYN_V2 = Buffer.from('0200000003000000', 'hex');
const NOP_V2 = Buffer.from('0203000000000000', 'hex');

/** What a compressing peer sends first: the identifier chunk, then the SYN in a data chunk. */
function snappyFramed(frame: Buffer): Buffer {
  return new SnappyFrameWriter().frameChunk(frame);
}

/** The error a smux reader of `version` closes with on `bytes` (asserting it does). */
function smuxError(version: 1 | 2, bytes: Buffer): Error {
  const reader = new FrameReader(version);
  reader.feed(bytes);
  let result = reader.next();
  while (result === READ_FRAME) result = reader.next();
  assert.equal(result, READ_ERROR);
  return reader.error!;
}

function snappyError(bytes: Buffer): Error {
  const error = new SnappyFrameReader(() => {}).push(bytes);
  assert.ok(error);
  return error;
}

describe('readSessionStart: what refused first bytes say', () => {
  test('snappy framing where smux was expected: -nocomp (the case once misnamed -smuxver)', () => {
    const err = smuxError(2, snappyFramed(SYN_V2));
    assert.match(err.message, /invalid protocol version 255, expected 2$/);
    assert.deepEqual(readSessionStart(err, 2), { setting: 'nocomp', found: 'snappy' });
    assert.deepEqual(readSessionStart(smuxError(1, snappyFramed(SYN_V1)), 1), {
      setting: 'nocomp',
      found: 'snappy',
    });
  });

  test('a smux frame where snappy was expected: -nocomp, with the frame version seen', () => {
    assert.deepEqual(readSessionStart(snappyError(SYN_V2), 2), {
      setting: 'nocomp',
      found: 'smux',
      version: 2,
    });
    assert.deepEqual(readSessionStart(snappyError(SYN_V1), 2), {
      setting: 'nocomp',
      found: 'smux',
      version: 1,
    });
  });

  test('a smux frame of the other version: -smuxver', () => {
    assert.deepEqual(readSessionStart(smuxError(2, SYN_V1), 2), {
      setting: 'smuxver',
      found: 'smux',
      version: 1,
      expected: 2,
    });
    assert.deepEqual(readSessionStart(smuxError(1, SYN_V2), 1), {
      setting: 'smuxver',
      found: 'smux',
      version: 2,
      expected: 1,
    });
  });

  test('garbage, a bad frame after a good one, other errors: no setting named', () => {
    assert.equal(readSessionStart(smuxError(2, Buffer.from('0909090909090909', 'hex')), 2), null);
    const later = smuxError(2, Buffer.concat([NOP_V2, SYN_V1]));
    assert.equal((later as { firstBytes?: Uint8Array }).firstBytes, undefined);
    assert.equal(readSessionStart(later, 2), null);
    assert.equal(readSessionStart(snappyError(Buffer.from('0909090909090909', 'hex')), 2), null);
    assert.equal(readSessionStart(new Error('smux: keepalive timeout'), 2), null);
    assert.equal(readSessionStart(undefined, 2), null);
  });
});
