/**
 * What the applications at both ends see when a stream ends: a stream cut short (its session died mid-
 * transfer) resets the TCP connections at both ends, so that neither application takes a short stream for a
 * complete one; a stream that ends gracefully, or whose closeWait runs out, ends with a clean FIN
 * (docs/stream-reset-2026-12-07-reset38.md). The session dies the way a link does: a relay between client
 * and server stops forwarding, and both ends' smux keep-alive timeout (short here) closes their sessions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomBytes, sha256 } from '../smux/helpers.js';
import { WAIT_MS, within } from '../support/deadline.js';
import {
  connect,
  cutLink,
  DOWNLOAD_BYTES,
  FIRST_BYTES,
  GRACEFUL_SMUX,
  reading,
  type Tunnel,
  tunnel,
} from './cut-tunnel.js';

describe('a stream cut short is reset at both ends; a complete one ends cleanly', { timeout: 60_000 }, () => {
  let t: Tunnel;
  before(async () => {
    t = await tunnel({ client: 0, server: 0 });
  });
  after(() => t.close());

  test('a download whose session dies mid-transfer: the application reads ECONNRESET, not a clean end', async () => {
    const app = await connect(t.port);
    const read = reading(app);
    app.write('request');
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    target.write(randomBytes(FIRST_BYTES)); // and nothing more: the download is not complete
    await within('the first bytes', WAIT_MS, read.untilBytes(FIRST_BYTES));
    cutLink(t.relay);
    assert.equal(await within('the application sees the end', WAIT_MS, read.outcome), 'ECONNRESET');
    assert.equal(read.bytes(), FIRST_BYTES);
    // the server's session died too: its target is reset as well
    assert.equal(await within('the target sees the end', WAIT_MS, targetRead.outcome), 'ECONNRESET');
  });
});

describe('an upload cut short', { timeout: 60_000 }, () => {
  let t: Tunnel;
  before(async () => {
    t = await tunnel({ client: 0, server: 0 });
  });
  after(() => t.close());

  test("an upload whose session dies mid-transfer: the server's target reads ECONNRESET, not a clean end", async () => {
    const app = await connect(t.port);
    const appRead = reading(app);
    app.write(randomBytes(FIRST_BYTES)); // and nothing more: the upload is not complete
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const read = reading(target);
    await within('the first bytes', WAIT_MS, read.untilBytes(FIRST_BYTES));
    cutLink(t.relay);
    assert.equal(await within('the target sees the end', WAIT_MS, read.outcome), 'ECONNRESET');
    assert.equal(read.bytes(), FIRST_BYTES);
    assert.equal(await within('the application sees the end', WAIT_MS, appRead.outcome), 'ECONNRESET');
  });
});

describe('streams that end gracefully', { timeout: 60_000 }, () => {
  let t: Tunnel;
  before(async () => {
    t = await tunnel({ client: 1, server: 30 }, GRACEFUL_SMUX);
  });
  after(() => t.close());

  test('a complete download ends with a clean FIN after every byte, at both ends', async () => {
    const app = await connect(t.port);
    const read = reading(app);
    app.write('request');
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    const data = randomBytes(DOWNLOAD_BYTES);
    target.end(data);
    assert.equal(await within('the download', WAIT_MS, read.outcome), 'end');
    assert.equal(read.bytes(), DOWNLOAD_BYTES);
    assert.equal(sha256(read.data()), sha256(data));
    app.end();
    assert.equal(await within('the target sees the end', WAIT_MS, targetRead.outcome), 'end');
    assert.equal(targetRead.data().toString(), 'request');
  });

  test("closeWait running out is a clean close: the application's half-open connection gets a FIN", async () => {
    const app = await connect(t.port);
    const read = reading(app);
    app.end('request'); // half-closed; the target never answers: the client's closeWait (1 s) runs out
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    assert.equal(await within('the target sees the request end', WAIT_MS, targetRead.outcome), 'end');
    assert.equal(await within('closeWait runs out', WAIT_MS, read.outcome), 'end');
    assert.equal(read.bytes(), 0);
  });
});
