/**
 * An application that half-closes after its request or upload (`nc -N`, an HTTP/1.0 client) and whose
 * stream is then cut short, before our FIN, reads ECONNRESET, not a clean end that passes for a complete
 * (or empty) answer; a target that answered and closed as the stream was cut gets a clean end, as the
 * README's library example needs (docs/stream-reset-2026-12-08-reset39.md). The client's -closewait is
 * above 0, which carries a half-closed connection's answer (at 0 the pair closes at the first EOF). The
 * session dies as in stream-reset.test: the relay stops forwarding and smux's short keep-alive timeout
 * closes both ends' sessions.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { randomBytes } from '../smux/helpers.js';
import { WAIT_MS, within } from '../support/deadline.js';
import { connect, cutLink, FIRST_BYTES, reading, type Tunnel, tunnel } from './cut-tunnel.js';

/** Both ends wait for the other direction's end far longer than the cut sessions take to die. */
const CLOSE_WAIT = { client: 30, server: 30 };

describe('a half-closed connection whose stream is cut short', { timeout: 60_000 }, () => {
  let t: Tunnel | null = null;
  afterEach(() => t?.close());

  test('the answer cut after a half-closed request: the application reads ECONNRESET after its bytes', async () => {
    t = await tunnel(CLOSE_WAIT);
    const app = await connect(t.port);
    const read = reading(app);
    app.end('request'); // HTTP/1.0's way: the request, then a half-close, then the answer is read
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    assert.equal(await within('the request and its end', WAIT_MS, targetRead.outcome), 'end');
    assert.equal(targetRead.data().toString(), 'request');
    target.write(randomBytes(FIRST_BYTES)); // the answer's start, and nothing more
    await within('the answer starts', WAIT_MS, read.untilBytes(FIRST_BYTES));
    cutLink(t.relay);
    assert.equal(await within('the application sees the end', WAIT_MS, read.outcome), 'ECONNRESET');
    assert.equal(read.bytes(), FIRST_BYTES);
  });

  test('an upload cut before its half-close got through: both the application and the target read ECONNRESET', async () => {
    t = await tunnel(CLOSE_WAIT);
    const app = await connect(t.port);
    const read = reading(app);
    app.write(randomBytes(FIRST_BYTES));
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    await within('the first bytes', WAIT_MS, targetRead.untilBytes(FIRST_BYTES));
    cutLink(t.relay);
    app.end(); // the upload's end, which never reaches the target
    assert.equal(await within('the application sees the end', WAIT_MS, read.outcome), 'ECONNRESET');
    assert.equal(await within('the target sees the end', WAIT_MS, targetRead.outcome), 'ECONNRESET');
    assert.equal(targetRead.bytes(), FIRST_BYTES);
  });

  test("a target that answered and closed gets a clean end though the application's end never reached it", async () => {
    t = await tunnel(CLOSE_WAIT);
    const app = await connect(t.port);
    const read = reading(app);
    app.write('request');
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    await within('the request', WAIT_MS, targetRead.untilBytes('request'.length));
    target.end('answer'); // the README's example target: it answers and closes
    assert.equal(await within('the answer', WAIT_MS, read.outcome), 'end');
    assert.equal(read.data().toString(), 'answer');
    cutLink(t.relay);
    app.end(); // its FIN never reaches the server, whose session dies with the target half-closed
    assert.equal(await within('the target sees the end', WAIT_MS, targetRead.outcome), 'end');
  });
});
