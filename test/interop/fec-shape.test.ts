/**
 * Our client (fixed mode, FEC 10/3, -conn 2) toward Debian's Go kcptun server with FEC 5/2, 5 % loss in the
 * relay, and Go's client so toward our server. Our client's first session learns the server's shape in the
 * clean exchange; the second is dialled at the first lossy exchange's stream (round robin) and sends 5/2
 * from its first datagram (fec/peer-shape.ts). Before that change its 10/3 shards met a Go decoder that
 * places shards by seqid mod 7 until its autotune locks on, which under loss rebuilt false data that KCP
 * took into the stream: main failed this case in 16 of 54 runs
 * (docs/interop-fec-shape-2026-12-07-shape33.md). The other way, Go's 10/3 client's second session used
 * to meet our 5/2 server's shards with a decoder that had not locked onto them (main: 6 of 10 runs broke);
 * our server now sends a client host's shape to its later sessions (PeerFecShapes). sha256 checked at both
 * ends, each exchange.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { goKcptunAvailable, type Impl, TunnelProcess } from '../support/procs.js';
import { clientExchange, TransferTarget, twoExchangesAtOnce } from '../support/transfer.js';
import { UdpRelay } from '../support/udp-relay.js';

const CLEAN_BYTES = 12 * 1024 * 1024;
const LOSSY_BYTES = 4 * 1024 * 1024;
const LOSS = 0.05;
const LOSSY_ROUNDS = 3;
const CONCURRENT_BYTES = 1024 * 1024;
/**
 * Idle start: bytes of the client's datagrams (keep-alives every second with -keepalive 1, ACKs; ~60-80
 * bytes each) after which each of its two sessions has sent over 10 data shards, where a 10/3 session
 * that does not hold its parity sends its first (main: the idle sessions keep 10/3).
 */
const IDLE_BYTES = 3000;

async function exchange(localPort: number, target: TransferTarget, bytes: number): Promise<void> {
  target.bytesPerConn = bytes;
  const before = target.received.length;
  const [sent, got] = await clientExchange(localPort, bytes);
  await target.whenReceived(before + 1);
  assert.equal(target.received[before], sent, 'client → target bytes differ');
  assert.equal(got, target.sentHashes[before], 'target → client bytes differ');
}

/**
 * Client and server processes (`client` with FEC 10/3 -conn 2, `server` with 5/2, fast3) through a relay:
 * a clean exchange, then 5 % loss both ways, three lossy exchanges (the second session, round robin,
 * carries its first data in the first), then two streams at once; byte-exact each time. `check` looks at
 * our end's log at the end. `idleLossy`: our -mode auto client (-keepalive 1), 5 % loss from the start
 * and an idle start (IDLE_BYTES) instead of the clean exchange: main's idle sessions sent 10/3 parity
 * before the server's shape was known and kept 10/3 (6 of 10 runs broke in scratch runs).
 */
async function run(
  client: Impl,
  server: Impl,
  check: (ours: string) => void,
  idleLossy = false,
): Promise<void> {
  const target = await TransferTarget.start(CLEAN_BYTES);
  const serverPort = await freeUdpPort();
  const localPort = await freeTcpPort();
  const relay = await UdpRelay.start(
    serverPort,
    idleLossy ? { dropUp: LOSS, dropDown: LOSS } : { dropUp: 0, dropDown: 0 },
  );
  const srv = TunnelProcess.start(server, 'server', [
    ...['-l', `127.0.0.1:${serverPort}`, '-t', `127.0.0.1:${target.port}`],
    ...['-mode', 'fast3', '-smuxver', '1', '-datashard', '5', '-parityshard', '2'],
  ]);
  const cli = TunnelProcess.start(client, 'client', [
    ...['-l', `127.0.0.1:${localPort}`, '-r', `127.0.0.1:${relay.port}`],
    ...(idleLossy ? ['-mode', 'auto', '-keepalive', '1'] : ['-mode', 'fast3', '-conn', '2']),
    '-smuxver',
    '1',
  ]);
  let phase = 'start';
  try {
    await srv.waitFor('listening on');
    await cli.waitFor('listening on');
    if (idleLossy) {
      phase = 'idle';
      await relay.untilBytesUp(IDLE_BYTES);
    } else {
      phase = 'clean';
      await exchange(localPort, target, CLEAN_BYTES);
      relay.setLoss(LOSS, LOSS);
    }
    for (let round = 0; round < LOSSY_ROUNDS; round++) {
      phase = `lossy ${round}`;
      await exchange(localPort, target, LOSSY_BYTES);
    }
    phase = 'two streams';
    await twoExchangesAtOnce(localPort, target, CONCURRENT_BYTES);
    assert.ok(relay.dropped > 0, 'the relay dropped nothing');
    phase = 'log';
    check(client === 'ts' ? cli.log : srv.log);
  } catch (err) {
    throw new Error(
      `${phase}: ${(err as Error).message}\n--- ${srv.label} log ---\n${srv.log.slice(-3000)}\n--- ${cli.label} log ---\n${cli.log.slice(-3000)}`,
    );
  } finally {
    await cli.stop();
    await srv.stop();
    relay.close();
    await target.close();
  }
}

describe('a 10/3 client toward a kcptun server with FEC 5/2, 5 % loss', {
  skip: !goKcptunAvailable() && 'kcptun-client/kcptun-server not installed',
}, () => {
  test(
    'ts fast3 -conn 2 ⇄ go fast3 -ds 5 -ps 2: the second session starts under loss in 5/2',
    {
      timeout: 240_000,
    },
    () =>
      run('ts', 'go', (log) =>
        assert.match(
          log,
          /FEC: the server sends groups of 5 data \+ 2 parity, this end has -datashard 10 -parityshard 3: sessions send the server's shape/,
        ),
      ),
  );
  test(
    'go fast3 -conn 2 ⇄ ts fast3 -ds 5 -ps 2: the second session starts under loss in 10/3',
    {
      timeout: 240_000,
    },
    () =>
      run('go', 'ts', (log) =>
        assert.match(
          log,
          /FEC: a client sends groups of 10 data \+ 3 parity, this end has -datashard 5 -parityshard 2: its later sessions get its shape/,
        ),
      ),
  );
  test(
    'ts -mode auto ⇄ go fast3 -ds 5 -ps 2, lossy from the start and idle first: the idle sessions take its shape',
    { timeout: 240_000 },
    () =>
      run(
        'ts',
        'go',
        (log) =>
          assert.match(
            log,
            /FEC: the server sends groups of 5 data \+ 2 parity, this end has -datashard 10 -parityshard 3: sessions send the server's shape/,
          ),
        true,
      ),
  );
});
