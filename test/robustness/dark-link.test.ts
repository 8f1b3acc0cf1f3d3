import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEchoTarget } from '../../bench/fuzz/tunnel-under-test.js';
import { clientExchange } from '../support/transfer.js';
import { type RelayOptions, UdpRelay } from '../support/udp-relay.js';
import { startClient, startServer } from './tunnel-pair.js';

const DARK_MS = 20_000;
/** Traffic before the outage, so the stream is truly mid-transfer when the link goes dark. */
const LIGHT_BEFORE_MS = 1000;
/** The stream keeps writing this long after the link is back, so the tail crosses a recovered link. */
const LIGHT_AFTER_MS = 2000;
const CHUNK_BYTES = 64 << 10;
const CHUNK_PERIOD_MS = 200;
/**
 * With nodelay 1, kcp-go grows a segment's RTO by rx_rto/2 per timeout (linear, not doubling), so after
 * 20 s of darkness on loopback the next retransmission is under a second away. A few seconds is generous.
 */
const RECOVERY_BOUND_MS = 5000;
/** Draining the ~6.5 MiB written during the outage is window-limited, not backoff-limited: looser. */
const CATCH_UP_BOUND_MS = 10_000;
const NEW_CONNECTION_BYTES = 256 << 10;

/**
 * A connection through the tunnel that writes one random chunk every CHUNK_PERIOD_MS until `stop()`, and
 * checks the echo. `written()` / `echoed()` count bytes; `firstEchoAfter(t)` is when echo bytes first
 * arrived at or after `t`; `done` resolves once every written byte came back, with both sha256s.
 */
function slowSender(port: number): {
  stop: () => void;
  written: () => number;
  echoed: () => number;
  firstEchoAfter: (t: number) => number;
  done: Promise<{ sent: string; got: string }>;
} {
  const socket = net.connect({ port, host: '127.0.0.1' });
  const sentHash = createHash('sha256');
  const gotHash = createHash('sha256');
  const echoTimes: number[] = [];
  let written = 0;
  let echoed = 0;
  let stopped = false;
  let finishIfDone = (): void => {};
  const timer = setInterval(() => {
    const chunk = randomBytes(CHUNK_BYTES);
    sentHash.update(chunk);
    written += chunk.length;
    socket.write(chunk);
  }, CHUNK_PERIOD_MS);
  const done = new Promise<{ sent: string; got: string }>((resolve, reject) => {
    const finish = (): void => {
      if (stopped && echoed === written) {
        socket.end();
        resolve({ sent: sentHash.digest('hex'), got: gotHash.digest('hex') });
      }
    };
    socket.on('data', (d: Buffer) => {
      echoed += d.length;
      echoTimes.push(Date.now());
      gotHash.update(d);
      if (echoed > written) reject(new Error(`echoed ${echoed} bytes, only ${written} written`));
      finish();
    });
    socket.on('error', (err) => reject(err));
    socket.on('close', () => {
      clearInterval(timer);
      reject(new Error(`connection closed: echoed ${echoed} of ${written} bytes`));
    });
    finishIfDone = finish;
  });
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
      finishIfDone();
    },
    written: () => written,
    echoed: () => echoed,
    firstEchoAfter: (t) => echoTimes.find((e) => e >= t) ?? -1,
    done,
  };
}

test('the link goes fully dark for 20 s: a stream mid-transfer survives byte-exact, new connections work', {
  timeout: 60_000,
}, async (t) => {
  const target = await startEchoTarget();
  const { server, port: udpPort, logs: serverLogs } = await startServer({ targetPort: target.port });
  // UdpRelay reads its drop rates on every datagram, so flipping them on this object switches the link.
  const link: RelayOptions = { dropUp: 0, dropDown: 0 };
  const relay = await UdpRelay.start(udpPort, link);
  // kcptun's defaults: keepalive every 10 s, smux keepalive timeout 30 s.
  const { client, port, logs } = await startClient(relay.port);
  try {
    const sender = slowSender(port);
    await sleep(LIGHT_BEFORE_MS);
    assert.ok(sender.echoed() > 0, 'data flows before the outage');

    link.dropUp = 1;
    link.dropDown = 1;
    const darkAt = Date.now();
    // What was already on its way back when the link went dark may still land; nothing after that.
    await sleep(DARK_MS / 2);
    const echoedMidDark = sender.echoed();
    await sleep(DARK_MS / 2);
    const echoedInSecondHalf = sender.echoed() - echoedMidDark;
    link.dropUp = 0;
    link.dropDown = 0;
    const lightAt = Date.now();
    const dropped = relay.dropped;
    const writtenBeforeLight = sender.written();

    // Recovery: first echo after the link is back, and all bytes written during the dark echoed.
    let caughtUpAt = -1;
    while (caughtUpAt < 0 && Date.now() - lightAt < CATCH_UP_BOUND_MS) {
      if (sender.echoed() >= writtenBeforeLight) caughtUpAt = Date.now();
      else await sleep(20);
    }
    await sleep(Math.max(0, lightAt + LIGHT_AFTER_MS - Date.now()));
    sender.stop();
    const { sent, got } = await sender.done;
    const firstEchoMs = sender.firstEchoAfter(lightAt) - lightAt;
    const caughtUpMs = caughtUpAt < 0 ? -1 : caughtUpAt - lightAt;
    t.diagnostic(
      `dark ${lightAt - darkAt} ms (${dropped} datagrams dropped); ` +
        `first echo ${firstEchoMs} ms after the link came back; the ${writtenBeforeLight} bytes written by then ` +
        `echoed ${caughtUpMs} ms after; stream total ${sender.written()} bytes`,
    );
    assert.equal(echoedInSecondHalf, 0, 'the link really was dark');
    assert.equal(got, sent, 'the echo is byte-exact');
    assert.ok(
      firstEchoMs >= 0 && firstEchoMs <= RECOVERY_BOUND_MS,
      `first echo ${firstEchoMs} ms after light`,
    );
    assert.ok(caughtUpMs >= 0 && caughtUpMs <= CATCH_UP_BOUND_MS, `caught up ${caughtUpMs} ms after light`);

    const newAt = Date.now();
    const [s, g] = await clientExchange(port, NEW_CONNECTION_BYTES);
    t.diagnostic(
      `new connection after the outage: ${NEW_CONNECTION_BYTES} bytes echoed in ${Date.now() - newAt} ms`,
    );
    assert.equal(g, s);
    assert.equal(
      logs.filter((l) => l.startsWith('smux version')).length,
      1,
      'the session survived, no redial',
    );
    assert.ok(!logs.some((l) => l.includes('keepalive timeout')), logs.join('\n'));
    assert.equal(serverLogs.filter((l) => l.includes('on connection')).length, 1, serverLogs.join('\n'));
  } finally {
    client.close();
    server.close();
    relay.close();
    await target.close();
  }
});
