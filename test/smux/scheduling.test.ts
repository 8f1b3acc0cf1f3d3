import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { CMD_FIN, CMD_PSH, CMD_SYN, CMD_UPD, HEADER_SIZE } from '../../src/smux/frame.js';
import { SmuxSession, type SmuxStream } from '../../src/smux/index.js';
import {
  type ScheduledStream,
  type SchedulerList,
  StreamScheduler,
} from '../../src/smux/stream-scheduler.js';
import { GatedConnection } from './gated-connection.js';
import { smuxConfig } from './helpers.js';

const FRAME = 8192;
/** Room for four full frames in front of the wire: the session is held off most of the time. */
const LINK_LIMIT = 4 * (HEADER_SIZE + FRAME);

interface Frame {
  cmd: number;
  sid: number;
  length: number;
  payload: Buffer;
}

function parse(frame: Buffer): Frame {
  const length = frame.readUInt16LE(2);
  return { cmd: frame[1], sid: frame.readUInt32LE(4), length, payload: frame.subarray(HEADER_SIZE) };
}

/** Let the link take one full frame at a time until `done` holds; fails instead of spinning forever. */
function pumpUntil(conn: GatedConnection, done: () => boolean, what: string): void {
  for (let turn = 0; turn < 10_000; turn++) {
    if (done()) return;
    conn.drain(HEADER_SIZE + FRAME);
  }
  assert.fail(`the session stopped writing before ${what}`);
}

function framesSince(conn: GatedConnection, mark: number): Frame[] {
  return conn.written.slice(mark).map(parse);
}

/** Write `total` bytes in `pieceSize` writes without waiting: the stream's backlog is all of it. */
function queueBulk(stream: SmuxStream, total: number, pieceSize: number): Buffer {
  const data = Buffer.alloc(total);
  for (let i = 0; i < total; i++) data[i] = (i * 7 + stream.id) & 0xff;
  for (let at = 0; at < total; at += pieceSize) stream.write(data.subarray(at, at + pieceSize));
  return data;
}

function saturatedClient(bulkStreams: number, version: 1 | 2 = 1) {
  const conn = new GatedConnection(LINK_LIMIT);
  const session = SmuxSession.client(conn, smuxConfig(version, { maxFrameSize: FRAME }));
  const bulk: SmuxStream[] = [];
  for (let i = 0; i < bulkStreams; i++) {
    const stream = session.openStream();
    queueBulk(stream, 1 << 20, 65536);
    bulk.push(stream);
  }
  // A few turns of the link so every bulk stream has sent and is backlogged.
  for (let turn = 0; turn < 8; turn++) conn.drain(HEADER_SIZE + FRAME);
  assert.ok(conn.isBlocked, 'the bulk streams saturate the link');
  for (const stream of bulk) assert.ok(stream.writableLength > 100_000, 'each bulk stream has a backlog');
  return { conn, session, bulk };
}

describe('small streams first', () => {
  test('a 64-byte request on a new stream goes out at once past three bulk backlogs: SYN, then its PSH', () => {
    const { conn, session, bulk } = saturatedClient(3);
    const mark = conn.written.length;
    const request = session.openStream();
    assert.equal(conn.written.length, mark, 'a SYN alone waits while the link holds the session off');
    request.write(Buffer.alloc(64, 0x61));
    assert.equal(conn.written.length, mark + 2, 'the request and its SYN went to the held-off link');
    conn.drain();
    const after = framesSince(conn, mark);
    assert.deepEqual(
      after.slice(0, 2).map((f) => [f.cmd, f.sid, f.length]),
      [
        [CMD_SYN, request.id, 0],
        [CMD_PSH, request.id, 64],
      ],
      `frames after the drain: ${after.map((f) => `${f.cmd}/${f.sid}/${f.length}`).join(' ')}`,
    );
    assert.ok(
      after.slice(2).every((f) => f.cmd === CMD_PSH && bulk.some((s) => s.id === f.sid)),
      'then the bulk streams go on',
    );
    session.close();
  });

  test('an idle open stream that gets a request (a probe, a keystroke) goes ahead of the bulk backlog', () => {
    const { conn, session, bulk } = saturatedClient(3);
    const interactive = session.openStream();
    // Let its SYN out and the bulk streams go round a few times with the interactive stream idle.
    for (let turn = 0; turn < 8; turn++) conn.drain(HEADER_SIZE + FRAME);
    for (let round = 0; round < 5; round++) {
      const mark = conn.written.length;
      interactive.write(Buffer.alloc(64, round));
      conn.drain();
      const first = framesSince(conn, mark)[0];
      assert.deepEqual([first.cmd, first.sid, first.length], [CMD_PSH, interactive.id, 64], `round ${round}`);
      // The bulk streams run for a while before the next request.
      for (let turn = 0; turn < 6; turn++) conn.drain(HEADER_SIZE + FRAME);
    }
    assert.ok(bulk.every((s) => s.writableLength > 0));
    session.close();
  });

  test('control frames first: a UPD and a SYN queued while held off go before any data (v2)', async () => {
    const { conn, session } = saturatedClient(2, 2);
    const receiving = session.openStream();
    conn.drain();
    const mark = conn.written.length;
    assert.ok(conn.isBlocked);
    // The peer sends 4 bytes on our stream; reading them makes the session queue a UPD (v2).
    const psh = Buffer.alloc(HEADER_SIZE + 4);
    psh[0] = 2;
    psh[1] = CMD_PSH;
    psh.writeUInt16LE(4, 2);
    psh.writeUInt32LE(receiving.id, 4);
    const read = once(receiving, 'data');
    conn.feed(psh);
    await read;
    const opened = session.openStream();
    assert.equal(conn.written.length, mark, 'held off: the UPD and the SYN wait');
    conn.drain();
    const after = framesSince(conn, mark);
    assert.deepEqual(
      after.slice(0, 3).map((f) => [f.cmd, f.sid]),
      [
        [CMD_SYN, opened.id],
        [CMD_UPD, receiving.id],
        [CMD_PSH, after[2].sid],
      ],
      'SYN (control), then UPD, then data',
    );
    session.close();
  });
});

describe('fairness and order', () => {
  test('two bulk streams with 64 KiB and 1 KiB writes get equal bytes within 10 % over every 256 KiB', () => {
    const conn = new GatedConnection(LINK_LIMIT);
    const session = SmuxSession.client(conn, smuxConfig(1, { maxFrameSize: FRAME }));
    const big = session.openStream();
    const small = session.openStream();
    queueBulk(big, 2 << 20, 65536);
    queueBulk(small, 2 << 20, 1024);
    const start = conn.written.length;
    pumpUntil(conn, () => conn.written.length - start >= 1200, '1200 frames');
    const frames = framesSince(conn, start).filter((f) => f.cmd === CMD_PSH);
    const WINDOW = 256 << 10;
    let windows = 0;
    let bytes = new Map<number, number>([
      [big.id, 0],
      [small.id, 0],
    ]);
    let total = 0;
    for (const f of frames) {
      bytes.set(f.sid, (bytes.get(f.sid) ?? 0) + f.length);
      total += f.length;
      if (total >= WINDOW) {
        const ratio = bytes.get(big.id)! / bytes.get(small.id)!;
        assert.ok(ratio > 0.9 && ratio < 1.1, `window ${windows}: 64 KiB writer / 1 KiB writer = ${ratio}`);
        windows++;
        bytes = new Map([
          [big.id, 0],
          [small.id, 0],
        ]);
        total = 0;
      }
    }
    assert.ok(windows >= 4, `${windows} windows`);
    session.close();
  });

  test("a stream's own frames never reorder: its data in order, FIN last, while other streams compete", () => {
    const conn = new GatedConnection(LINK_LIMIT);
    const session = SmuxSession.client(conn, smuxConfig(1, { maxFrameSize: FRAME }));
    const sent = new Map<number, Buffer>();
    const streams: SmuxStream[] = [];
    const sizes = [64, 3000, 100_000, 300_000];
    const pieces = [64, 1000, 65536, 4096];
    for (let i = 0; i < sizes.length; i++) {
      const stream = session.openStream();
      sent.set(stream.id, queueBulk(stream, sizes[i], pieces[i]));
      stream.end();
      streams.push(stream);
    }
    // A late small stream with a FIN, while the others are backlogged.
    conn.drain(HEADER_SIZE + FRAME);
    const late = session.openStream();
    sent.set(late.id, Buffer.from('late request'));
    late.end('late request');
    const fins = (): number => conn.written.filter((f) => f[1] === CMD_FIN).length;
    pumpUntil(conn, () => fins() === sent.size, 'every FIN');
    conn.drain();

    const perStream = new Map<number, Frame[]>();
    for (const f of framesSince(conn, 0)) {
      if (!perStream.has(f.sid)) perStream.set(f.sid, []);
      perStream.get(f.sid)!.push(f);
    }
    for (const [sid, data] of sent) {
      const frames = perStream.get(sid)!;
      assert.equal(frames[0].cmd, CMD_SYN, `stream ${sid} starts with SYN`);
      assert.equal(frames.at(-1)!.cmd, CMD_FIN, `stream ${sid} ends with FIN`);
      const middle = frames.slice(1, -1);
      assert.ok(
        middle.every((f) => f.cmd === CMD_PSH),
        `stream ${sid}: only PSH between SYN and FIN`,
      );
      assert.ok(Buffer.concat(middle.map((f) => f.payload)).equals(data), `stream ${sid}: data in order`);
    }
    const order = framesSince(conn, 0)
      .filter((f) => f.cmd === CMD_FIN)
      .map((f) => f.sid);
    assert.ok(
      order.indexOf(late.id) < order.indexOf(streams[3].id),
      'the late small stream finishes before the largest one',
    );
    session.close();
  });
});

class FakeStream implements ScheduledStream {
  schedulerList: SchedulerList = 'idle';
  deficit = 0;
  constructor(
    readonly name: string,
    public queued: number,
  ) {}
}

/** Serve `count` frames of at most `frameSize`, as the writer does; returns the names in order. */
function serve(scheduler: StreamScheduler<FakeStream>, count: number, frameSize: number): string[] {
  const order: string[] = [];
  while (order.length < count) {
    const stream = scheduler.next();
    if (stream === undefined) break;
    if (stream.queued === 0) {
      scheduler.ranDry(stream);
      continue;
    }
    const size = Math.min(frameSize, stream.queued);
    stream.queued -= size;
    scheduler.charge(stream, size);
    order.push(stream.name);
  }
  return order;
}

describe('StreamScheduler', () => {
  test('a stream that runs dry while new waits one old-list turn before it can be new again', () => {
    const scheduler = new StreamScheduler<FakeStream>(100);
    const bulk = new FakeStream('bulk', 10_000);
    scheduler.activate(bulk);
    assert.deepEqual(serve(scheduler, 4, 40), ['bulk', 'bulk', 'bulk', 'bulk']);
    assert.equal(bulk.schedulerList, 'old', 'a quantum spent: backlogged');
    const chatty = new FakeStream('chatty', 30);
    scheduler.activate(chatty);
    assert.deepEqual(serve(scheduler, 1, 40), ['chatty'], 'new: ahead of the backlog');
    assert.deepEqual(serve(scheduler, 1, 20), ['bulk']);
    assert.equal(chatty.schedulerList, 'old', 'ran dry while new: moved to the old list');
    chatty.queued = 30;
    scheduler.activate(chatty);
    assert.deepEqual(serve(scheduler, 1, 20), ['bulk'], 'old: waits for the end of the backlog turn');
    assert.deepEqual(serve(scheduler, 1, 40), ['chatty']);
    assert.deepEqual(serve(scheduler, 1, 40), ['bulk']);
    assert.equal(chatty.schedulerList, 'idle', 'found empty on its old-list turn');
    chatty.queued = 10;
    scheduler.activate(chatty);
    assert.deepEqual(serve(scheduler, 2, 40), ['chatty', 'bulk'], 'new again');
  });

  test('backlogged streams take turns of equal bytes whatever their frame sizes', () => {
    const scheduler = new StreamScheduler<FakeStream>(100);
    const large = new FakeStream('large', 10_000);
    const small = new FakeStream('small', 10_000);
    scheduler.activate(large);
    scheduler.activate(small);
    const order: string[] = [];
    for (let i = 0; i < 22; i++) {
      const stream = scheduler.next()!;
      const size = stream === large ? 100 : 10;
      stream.queued -= size;
      scheduler.charge(stream, size);
      order.push(stream.name);
    }
    const turn = ['large', ...Array<string>(10).fill('small')];
    assert.deepEqual(order, [...turn, ...turn]);
  });

  test('a stream whose window is shut leaves the lists and comes back new when it opens', () => {
    const scheduler = new StreamScheduler<FakeStream>(100);
    const a = new FakeStream('a', 10_000);
    const shut = new FakeStream('shut', 0);
    scheduler.activate(a);
    scheduler.activate(shut);
    assert.deepEqual(serve(scheduler, 3, 100), ['a', 'a', 'a']);
    assert.equal(shut.schedulerList, 'idle', 'found empty on its old-list turn');
    shut.queued = 100;
    scheduler.activate(shut);
    assert.deepEqual(serve(scheduler, 2, 100), ['shut', 'a']);
  });
});
