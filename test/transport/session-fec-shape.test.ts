/**
 * -mode auto's client shows its FEC shape as its session starts (KcpSession.showFecShape): whole groups of
 * WINS segments with all their parity, once the server's first datagram showed FEC headers. The server's
 * decoder then knows the client's shape before the client sends any data (FecDecoder.peerShapeSame), so
 * a short path's blind first flight toward it may carry one parity shard per group; from the client's
 * stream alone that takes two groups of its datagrams, ~300 ms into a cold download on a 2 Mbit/s path
 * (docs/link-first-flight-2026-12-07-flight33.md).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { dialSession } from '../../src/transport/dial.js';
import { KcpListener } from '../../src/transport/listener.js';
import type { KcpSession } from '../../src/transport/session.js';
import { until } from '../support/deadline.js';
import { options, receive, sha } from './session-cases.js';

const AUTO = { congestion: true, windows: true, fec: true };
const BYTES = 64 * 1024;

test("an auto client's session shows its FEC shape to the server before any data (showFecShape)", async () => {
  const accepted: KcpSession[] = [];
  const received: Promise<string>[] = [];
  const listener = await KcpListener.listen(
    '127.0.0.1',
    0,
    { ...options(true), sockbuf: 4 << 20, maxSessions: 4, auto: AUTO },
    (s) => {
      accepted.push(s);
      received.push(receive(s, 1 + BYTES));
    },
  );
  const dial = () =>
    dialSession('127.0.0.1', listener.port, { ...options(true), sockbuf: 4 << 20, auto: AUTO });
  const shows = await dial();
  const silent = await dial();
  try {
    shows.showFecShape();
    // one byte each opens the session at the server, whose ACK shows the client FEC headers
    shows.write(Buffer.from([1]));
    await until(() => accepted.length === 1);
    silent.write(Buffer.from([1]));
    await until(() => accepted.length === 2);
    await until(() => accepted[0].peerFecShapeSame, { what: 'the server learned the shape' });
    // the other client's single datagram shows no group: its server session cannot know
    await until(() => silent.sndBufLength === 0, { what: "the silent client's byte acknowledged" });
    assert.equal(accepted[1].peerFecShapeSame, false);
    // the WINS segments disturbed nothing: the stream goes on byte-exact
    const data = randomBytes(BYTES);
    shows.write(data);
    assert.equal(await received[0], sha(Buffer.concat([Buffer.from([1]), data])));
  } finally {
    shows.close();
    silent.close();
    listener.close();
  }
});
