import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { goKcptunAvailable, type Impl, TunnelProcess } from '../support/procs.js';

/**
 * The diagnosis lines against the Debian Go kcptun (20210922): they depend only on what arrives, so a Go
 * peer with another setting is named the same way as ours. Each case starts both programs with the
 * settings that differ, sends connections through the client, and waits for the line.
 */

/** A TCP connection through the client: it opens a stream, whose SYN is the session's first bytes. */
function poke(port: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  return socket;
}

function lines(log: string, pattern: RegExp): string[] {
  return log.split('\n').filter((l) => pattern.test(l));
}

async function pair(
  client: { impl: Impl; args: string[] },
  server: { impl: Impl; args: string[] },
  targetPort?: number,
): Promise<{ cli: TunnelProcess; srv: TunnelProcess; local: number; udp: number }> {
  const udp = await freeUdpPort();
  const local = await freeTcpPort();
  // By default nothing listens: the mismatch comes before any target is dialled.
  const target = targetPort ?? (await freeTcpPort());
  const srv = TunnelProcess.start(server.impl, 'server', [
    '-l',
    `127.0.0.1:${udp}`,
    '-t',
    `127.0.0.1:${target}`,
    ...server.args,
  ]);
  const cli = TunnelProcess.start(client.impl, 'client', [
    '-l',
    `127.0.0.1:${local}`,
    '-r',
    `127.0.0.1:${udp}`,
    ...client.args,
  ]);
  await srv.waitFor('listening on');
  await cli.waitFor('listening on');
  return { cli, srv, local, udp };
}

/** Resolves once `proc` has logged `n` lines matching `pattern` (its log is read as it arrives). */
async function logged(proc: TunnelProcess, pattern: RegExp, n: number, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (lines(proc.log, pattern).length < n) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`${proc.label}: fewer than ${n} ${pattern} lines:\n${proc.log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(...procs: TunnelProcess[]): Promise<void> {
  for (const p of procs) await p.stop();
}

const MISMATCHES: { name: string; client: string[]; server: string[]; line: RegExp }[] = [
  {
    name: 'Go client compressing, our server -nocomp',
    client: ['-smuxver', '2'],
    server: ['-nocomp'],
    line: /127\.0\.0\.1:\d+: smux: invalid protocol version 255, expected 2: the session opened with snappy framing where smux frames were expected: the peers differ in -nocomp \(set here, not on the peer\)\n/,
  },
  {
    name: 'Go client -nocomp, our server compressing',
    client: ['-smuxver', '2', '-nocomp'],
    server: [],
    line: /the session opened with a smux version 2 frame where snappy framing was expected: the peers differ in -nocomp \(set on the peer, not here\)\n/,
  },
  {
    name: 'Go client -smuxver 1 (its default), our server -smuxver 2',
    client: [],
    server: ['-smuxver', '2'],
    line: /smux: invalid protocol version 1, expected 2: the session opened with a smux version 1 frame where version 2 was expected: the peers differ in -smuxver \(2 here\)\n/,
  },
];

describe('diagnosis lines against Go kcptun 20210922', {
  skip: !goKcptunAvailable() && 'kcptun-client/kcptun-server not installed',
  timeout: 60_000,
}, () => {
  for (const m of MISMATCHES) {
    test(`${m.name}: one line naming the setting, however many connections`, async () => {
      const { cli, srv, local } = await pair({ impl: 'go', args: m.client }, { impl: 'ts', args: m.server });
      const sockets: net.Socket[] = [];
      try {
        sockets.push(poke(local));
        await srv.waitFor('the peers differ in');
        assert.match(srv.log, m.line);
        // More connections over the same (failed) session: the Go client retransmits their SYNs. A -mode
        // auto server (the default) flushes its RTT-priming NOP before it rejects the session, and the
        // compressing Go client then logs its snappy reader's error for them instead of "stream opened".
        for (let i = 0; i < 4; i++) sockets.push(poke(local));
        await logged(cli, /stream opened|snappy: corrupt input/, 5);
        assert.equal(lines(srv.log, /the peers differ in/).length, 1, srv.log);
        assert.equal(
          lines(srv.log, /on connection: .* -> /).length,
          1,
          'retransmissions opened new sessions',
        );
      } finally {
        for (const s of sockets) s.destroy();
        await stop(cli, srv);
      }
    });
  }

  test('Go client with another -key: our server counts the checksum failures of that source', async () => {
    const { cli, srv, local } = await pair(
      { impl: 'go', args: ['-key', 'one'] },
      { impl: 'ts', args: ['-key', 'two'] },
    );
    const socket = poke(local);
    try {
      await srv.waitFor('failed the checksum');
      assert.match(
        srv.log,
        /a datagram from 127\.0\.0\.1:\d+ failed the checksum: the peers probably differ in -key or -crypt\n/,
      );
      assert.equal(lines(srv.log, /failed the checksum/).length, 1);
    } finally {
      socket.destroy();
      await stop(cli, srv);
    }
  });

  test('Go client -ds 5 -ps 2, our server 10/3: the FEC line', async () => {
    const echo = net.createServer((s) => s.on('error', () => {}).pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const { cli, srv, local } = await pair(
      { impl: 'go', args: ['-smuxver', '2', '-ds', '5', '-ps', '2'] },
      { impl: 'ts', args: [] },
      (echo.address() as net.AddressInfo).port,
    );
    const socket = poke(local);
    try {
      socket.write(randomBytes(200_000));
      await srv.waitFor('FEC shards');
      assert.match(
        srv.log,
        /127\.0\.0\.1:\d+: FEC shards arrive in groups of 5 data \+ 2 parity, this end has -datashard 10 -parityshard 3: the peers differ in -datashard\/-parityshard/,
      );
    } finally {
      socket.destroy();
      await stop(cli, srv);
      echo.close();
    }
  });

  test('our client, Go server with another -key: no reply in 10 s', async () => {
    const { cli, srv, local, udp } = await pair(
      { impl: 'ts', args: ['-key', 'one'] },
      { impl: 'go', args: ['-key', 'two'] },
    );
    const socket = poke(local);
    try {
      await cli.waitFor('no reply', 20_000);
      assert.match(
        cli.log,
        new RegExp(
          `no reply from 127\\.0\\.0\\.1:${udp} in 10 s: is the server running, the UDP port open, and are -key and -crypt the same\\?\n`,
        ),
      );
    } finally {
      socket.destroy();
      await stop(cli, srv);
    }
  });

  test("our client's stream lines name the server as kcptun's do: out: host:port(id)", async () => {
    const { cli, srv, local, udp } = await pair(
      { impl: 'ts', args: ['-smuxver', '1'] },
      { impl: 'go', args: [] },
    );
    const socket = poke(local);
    try {
      await cli.waitFor('stream opened');
      assert.match(
        cli.log,
        new RegExp(`stream opened in: 127\\.0\\.0\\.1:\\d+ out: 127\\.0\\.0\\.1:${udp}\\(3\\)\n`),
      );
    } finally {
      socket.destroy();
      await stop(cli, srv);
    }
  });
});

describe('start-up lines', { timeout: 30_000 }, () => {
  test('a client -l without a port listens on a unix socket, and says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcptun-diag-'));
    const udp = await freeUdpPort();
    const cli = TunnelProcess.start('ts', 'client', [
      '-l',
      path.join(dir, 'bogus'),
      '-r',
      `127.0.0.1:${udp}`,
    ]);
    try {
      await cli.waitFor('listening on');
      assert.match(
        cli.log,
        new RegExp(`listening on unix socket: ${path.join(dir, 'bogus').replace(/\//g, '\\/')}\n`),
      );
      assert.match(
        cli.log,
        /datagram I\/O: (sendmmsg\/recvmmsg \(batched, through koffi\), UDP GSO (on|off), GRO (on|off)( \(.+\))?|dgram, one system call per datagram \(batched I\/O unavailable: .+\))\n/,
      );
    } finally {
      await cli.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('KCPTUN_NO_MMSG=1: the start-up line says dgram and why', async () => {
    const udp = await freeUdpPort();
    const local = await freeTcpPort();
    process.env.KCPTUN_NO_MMSG = '1';
    const cli = TunnelProcess.start('ts', 'client', ['-l', `127.0.0.1:${local}`, '-r', `127.0.0.1:${udp}`]);
    delete process.env.KCPTUN_NO_MMSG;
    try {
      await cli.waitFor('listening on');
      assert.match(
        cli.log,
        /datagram I\/O: dgram, one system call per datagram \(batched I\/O unavailable: KCPTUN_NO_MMSG=1 is set\)\n/,
      );
    } finally {
      await cli.stop();
    }
  });
});
