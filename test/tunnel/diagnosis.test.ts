import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, test } from 'node:test';
import { STREAM_IDENTIFIER_CHUNK } from '../../src/compress/framing.js';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { KCP_CMD_PUSH, KCP_OVERHEAD } from '../../src/kcp/constants.js';
import { writeSegmentHeader } from '../../src/kcp/segment-header.js';
import { snmp } from '../../src/metrics/snmp.js';
import { defaultSmuxConfig, type SmuxConfig } from '../../src/smux/index.js';
import { transportCounters } from '../../src/transport/counters.js';
import { KcpListener } from '../../src/transport/listener.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { UdpPeer } from '../../src/transport/udp-io.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { Diagnosis, type DiagnosisOptions, SESSION_LINES_PER_MINUTE } from '../../src/tunnel/diagnosis.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import { loopbackClientOptions } from '../robustness/tunnel-pair.js';
import { LogLines } from '../support/log-lines.js';
import { freeUdpPort } from '../support/ports.js';

/** A clock the rate limiter reads, moved by the test: a "minute" passes without waiting one. */
class FakeClock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
}

interface End {
  key?: string;
  noComp?: boolean;
  smux?: Partial<SmuxConfig>;
  diagnosis?: DiagnosisOptions;
  /** dataShards, parityShards (default 10, 3). */
  fec?: [number, number];
}

function sessionOptions(key = 'diagnosis', [dataShards, parityShards] = [10, 3]): SessionOptions {
  return {
    crypt: createPacketCrypt('aes', deriveKey(key)).crypt,
    dataShards,
    parityShards,
    mtu: 1350,
    sndWnd: 256,
    rcvWnd: 256,
    nodelay: 1,
    interval: 10,
    resend: 2,
    nc: 1,
    ackNoDelay: false,
  };
}

async function startServer(
  o: End,
  targetPort = 1,
): Promise<{ server: TunnelServer; port: number; logs: LogLines }> {
  const logs = new LogLines();
  const server = new TunnelServer({
    listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    target: { host: '127.0.0.1', port: targetPort },
    closeWaitSeconds: 0,
    quiet: true,
    noComp: o.noComp ?? false,
    smux: { ...defaultSmuxConfig(), version: 2, ...o.smux },
    session: { ...sessionOptions(o.key, o.fec), sockbuf: 0, maxSessions: 64 },
    log: logs.log,
    diagnosis: o.diagnosis,
  });
  const [port] = await server.start();
  return { server, port, logs };
}

async function startClient(
  remotePort: number,
  o: End & { conn?: number },
): Promise<{ client: TunnelClient; port: number; logs: LogLines }> {
  const logs = new LogLines();
  const client = new TunnelClient(
    loopbackClientOptions(remotePort, {
      conn: o.conn ?? 1,
      noComp: o.noComp ?? false,
      smux: { ...defaultSmuxConfig(), version: 2, ...o.smux },
      session: { ...sessionOptions(o.key, o.fec), sockbuf: 0 },
      log: logs.log,
      diagnosis: o.diagnosis,
    }),
  );
  const addr = (await client.start()) as net.AddressInfo;
  return { client, port: addr.port, logs };
}

/** A TCP connection to the client: it dials a session and opens a stream (the SYN goes out). */
function connect(port: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  return socket;
}

/** Resolves once `read()` has moved past `from` (checked each event-loop turn, bounded by the test timeout). */
async function counterPast(read: () => number, from: number): Promise<number> {
  while (read() <= from) await new Promise((r) => setImmediate(r));
  return read();
}

const ON_CONNECTION = /on connection: .* -> /;

describe('mismatch diagnosis, ours with ours', { timeout: 30_000 }, () => {
  const cases: { name: string; server: End; client: End; line: RegExp }[] = [
    {
      name: 'server -nocomp, client compressing',
      server: { noComp: true },
      client: {},
      line: /^127\.0\.0\.1:\d+: smux: invalid protocol version 255, expected 2: the session opened with snappy framing where smux frames were expected: the peers differ in -nocomp \(set here, not on the peer\)$/,
    },
    {
      name: 'server compressing, client -nocomp',
      server: {},
      client: { noComp: true },
      line: /^127\.0\.0\.1:\d+: snappy: corrupt input: stream does not start with the stream identifier chunk \(first chunk type 0x2\): the session opened with a smux version 2 frame where snappy framing was expected: the peers differ in -nocomp \(set on the peer, not here\)$/,
    },
    {
      name: 'server -smuxver 1, client -smuxver 2',
      server: { smux: { version: 1 } },
      client: {},
      line: /^127\.0\.0\.1:\d+: smux: invalid protocol version 2, expected 1: the session opened with a smux version 2 frame where version 1 was expected: the peers differ in -smuxver \(1 here\)$/,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: one line naming the setting; retransmissions are dropped, not new sessions`, async () => {
      const { server, port, logs } = await startServer(c.server);
      const { client, port: local } = await startClient(port, c.client);
      const rejectedBefore = transportCounters.rejectedDatagrams;
      const socket = connect(local);
      try {
        await logs.waitFor(c.line);
        // The client retransmits the unacknowledged SYN: those datagrams are counted and dropped.
        await counterPast(() => transportCounters.rejectedDatagrams, rejectedBefore);
        assert.equal(logs.count(ON_CONNECTION), 1, logs.lines.join('\n'));
        assert.equal(logs.count(/the peers differ in/), 1, logs.lines.join('\n'));
        assert.equal(logs.count(/session closed/), 0, 'a rejected session gets the mismatch line only');
      } finally {
        socket.destroy();
        client.close();
        server.close();
      }
    });
  }

  test('sustained: one line per host per minute, the held-back count on the next', async () => {
    const clock = new FakeClock();
    const { server, port, logs } = await startServer({ noComp: true, diagnosis: { now: clock.now } });
    const clients: TunnelClient[] = [];
    const sockets: net.Socket[] = [];
    try {
      // Three clients, three ports of one host, three sessions that fail alike.
      for (let i = 0; i < 3; i++) {
        const { client, port: local } = await startClient(port, {});
        clients.push(client);
        sockets.push(connect(local));
        await logs.waitForCount(ON_CONNECTION, i + 1);
      }
      // The session's first frame is parsed in the turn it opened in: let that turn finish.
      await new Promise((r) => setImmediate(r));
      assert.equal(logs.count(/-nocomp/), 1, logs.lines.join('\n'));
      clock.ms += 60_000;
      const { client, port: local } = await startClient(port, {});
      clients.push(client);
      sockets.push(connect(local));
      const line = await logs.waitFor(/-nocomp.*\(2 more since the last such line\)$/);
      assert.match(line, /the peers differ in -nocomp/);
      assert.equal(logs.count(/-nocomp/), 2);
    } finally {
      for (const s of sockets) s.destroy();
      for (const c of clients) c.close();
      server.close();
    }
  });

  test('the client names -nocomp when the server speaks snappy to a -nocomp client', async () => {
    // A server that speaks first: it sends snappy framing down every session it accepts.
    const listener = await KcpListener.listen(
      '127.0.0.1',
      0,
      { ...sessionOptions(), sockbuf: 0, maxSessions: 8 },
      (s) => {
        s.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
        s.write(Buffer.from(STREAM_IDENTIFIER_CHUNK));
      },
    );
    const { client, port: local, logs } = await startClient(listener.port, { noComp: true });
    const socket = connect(local);
    try {
      const line = await logs.waitFor(/-nocomp/);
      assert.match(
        line,
        /^127\.0\.0\.1:\d+: smux: invalid protocol version 255, expected 2: the session opened with snappy framing where smux frames were expected: the peers differ in -nocomp \(set here, not on the peer\)$/,
      );
    } finally {
      socket.destroy();
      client.close();
      listener.close();
    }
  });
});

describe('key mismatch and silence, ours with ours', { timeout: 30_000 }, () => {
  test('server: datagrams failing the checksum, per source, counted over the minute; client: no reply', async () => {
    const clock = new FakeClock();
    const { server, port, logs } = await startServer({ key: 'one', diagnosis: { now: clock.now } });
    const {
      client,
      port: local,
      logs: clientLogs,
    } = await startClient(port, {
      key: 'two',
      diagnosis: { noReplyMs: 300 },
    });
    const socket = connect(local);
    try {
      const first = await logs.waitFor(/failed the checksum/);
      assert.match(
        first,
        /^a datagram from 127\.0\.0\.1:\d+ failed the checksum: the peers probably differ in -key or -crypt$/,
      );
      const source = /from (\S+) failed/.exec(first)![1];
      const noReply = await clientLogs.waitFor(/no reply/);
      assert.equal(
        noReply,
        `no reply from 127.0.0.1:${port} in 0.3 s: is the server running, the UDP port open, and are -key and -crypt the same?`,
      );
      // Retransmissions keep failing; a minute later the next line says how many (two more failures
      // counted first, however slowly a loaded machine retransmits).
      const failed = snmp.InCsumErrors;
      await counterPast(() => snmp.InCsumErrors, failed + 1);
      const before = logs.lines.length;
      clock.ms += 60_000;
      const next = await logs.waitFor(/failed the checksum/, before);
      const m =
        /^(\d+) datagrams from (\S+) failed the checksum in the last minute: the peers probably differ in -key or -crypt$/.exec(
          next,
        );
      assert.ok(m, next);
      assert.ok(Number(m[1]) >= 2, next);
      assert.equal(m[2], source);
      assert.equal(logs.count(/failed the checksum/), 2, 'one line per source per minute');
      assert.equal(clientLogs.count(/no reply/), 1);
    } finally {
      socket.destroy();
      client.close();
      server.close();
    }
  });

  test('a closed server port: the socket error is counted and named, once per minute', async () => {
    const port = await freeUdpPort(); // nothing listens there: the kernel answers port unreachable
    const before = transportCounters.udpSocketErrors;
    const { client, port: local, logs } = await startClient(port, {});
    const socket = connect(local);
    try {
      const line = await logs.waitFor(/nothing listens/);
      assert.match(
        line,
        new RegExp(
          `^UDP 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED: nothing listens on that UDP port \\(is the server running\\?\\)$`,
        ),
      );
      assert.ok(transportCounters.udpSocketErrors > before);
      // Retransmissions draw more refusals: counted, not logged again within the minute.
      await counterPast(() => transportCounters.udpSocketErrors, transportCounters.udpSocketErrors);
      assert.equal(logs.count(/nothing listens/), 1);
    } finally {
      socket.destroy();
      client.close();
    }
  });

  test('FEC groups of another shape: the server says what the FEC headers show', async () => {
    const echo = net.createServer((s) => s.on('error', () => {}).pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const { server, port, logs } = await startServer({}, (echo.address() as net.AddressInfo).port);
    const { client, port: local } = await startClient(port, { fec: [5, 2] });
    const socket = connect(local);
    try {
      socket.write(randomBytes(200_000));
      const line = await logs.waitFor(/FEC shards/);
      assert.match(
        line,
        /^127\.0\.0\.1:\d+: FEC shards arrive in groups of 5 data \+ 2 parity, this end has -datashard 10 -parityshard 3: the peers differ in -datashard\/-parityshard \(decoding adapts to the peer; a session that has sent parity keeps this end's shape\)$/,
      );
    } finally {
      socket.destroy();
      client.close();
      server.close();
      echo.close();
    }
  });

  test('keepalive timeout: how long since the last datagram, and the session figures', async () => {
    const echo = net.createServer((s) => s.on('error', () => {}).pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const targetPort = (echo.address() as net.AddressInfo).port;
    const { server, port, logs } = await startServer(
      { smux: { keepAliveInterval: 200, keepAliveTimeout: 600 } },
      targetPort,
    );
    const { client, port: local } = await startClient(port, {});
    const socket = connect(local);
    try {
      const payload = randomBytes(20_000); // incompressible: the session's byte counts see it all
      socket.write(payload);
      let echoed = 0;
      await new Promise<void>((resolve) =>
        socket.on('data', (d: Buffer) => {
          echoed += d.length;
          if (echoed >= payload.length) resolve();
        }),
      );
      client.close(); // the server hears nothing more
      const line = await logs.waitFor(/^session closed/);
      assert.match(
        line,
        /^session closed: 127\.0\.0\.1:\d+ \(conv \d+\): smux: keepalive timeout: the last datagram arrived \d+\.\d s ago; lasted \d+\.\d s, sent 19\.\d KiB, received 19\.\d KiB, srtt \d+ ms, retransmitted \d+\.\d% of \d+ segments, FEC recovered \d+$/,
      );
    } finally {
      socket.destroy();
      client.close();
      server.close();
      echo.close();
    }
  });
});

describe('a damaged datagram from a peer with a session', () => {
  test('is not worded as a key mismatch, and is counted over the minute per source', () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const diagnosis = new Diagnosis((line) => lines.push(line), { now: clock.now });
    const peer = () => new UdpPeer('192.0.2.7', 4000);
    diagnosis.observer.damaged?.('192.0.2.7:4000', peer);
    diagnosis.observer.damaged?.('192.0.2.7:4000', peer);
    clock.ms += 60_000;
    diagnosis.observer.damaged?.('192.0.2.7:4000', peer);
    assert.deepEqual(lines, [
      "a datagram from 192.0.2.7:4000 failed the checksum while its session's other datagrams opened: " +
        'damaged or stray datagrams, not a -key or -crypt mismatch',
      "2 datagrams from 192.0.2.7:4000 failed the checksum in the last minute while its session's other " +
        'datagrams opened: damaged or stray datagrams, not a -key or -crypt mismatch',
    ]);
  });
});

/** A smux v2 NOP frame in a sealed PUSH of conversation `conv`, sn 0: opens a session, and nothing more. */
function openingDatagram(conv: number): Buffer {
  const crypt = createPacketCrypt('aes', deriveKey('diagnosis')).crypt;
  const nop = Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]);
  const datagram = Buffer.alloc(crypt.headerSize + KCP_OVERHEAD + nop.length + crypt.trailerSize);
  const off = crypt.headerSize;
  writeSegmentHeader(datagram, off, conv, KCP_CMD_PUSH, 0, 32, 0, 0, 0, nop.length);
  nop.copy(datagram, off + KCP_OVERHEAD);
  return datagram.subarray(0, crypt.seal(datagram, off + KCP_OVERHEAD + nop.length));
}

async function sendFrom(socket: dgram.Socket, port: number, datagram: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
}

async function boundSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => {}); // the server's ACKs
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

describe("a server's session lines under sessions it did not ask for", { timeout: 30_000 }, () => {
  test('one address opening session after session (a new conv each datagram): one line a minute with the count', async () => {
    const clock = new FakeClock();
    const { server, port, logs } = await startServer({ fec: [0, 0], diagnosis: { now: clock.now } });
    const socket = await boundSocket();
    try {
      const opened = snmp.PassiveOpens;
      for (let conv = 1; conv <= 40; conv++) await sendFrom(socket, port, openingDatagram(conv));
      await counterPast(() => snmp.PassiveOpens, opened + 39);
      assert.equal(logs.count(ON_CONNECTION), 1, logs.lines.join('\n'));
      clock.ms += 60_000;
      await sendFrom(socket, port, openingDatagram(41));
      const line = await logs.waitFor(/on connection: .*\(conv 41\)/);
      assert.match(line, /\(39 more since the last such line\)$/);
      assert.ok(logs.count(/session closed/) <= 2, logs.lines.join('\n'));
    } finally {
      socket.close();
      server.close();
    }
  });

  test('forged source addresses, each a new peer: all peers together at most SESSION_LINES_PER_MINUTE a minute', async () => {
    const clock = new FakeClock();
    const { server, port, logs } = await startServer({ fec: [0, 0], diagnosis: { now: clock.now } });
    const sockets: dgram.Socket[] = [];
    try {
      const opened = snmp.PassiveOpens;
      const peers = SESSION_LINES_PER_MINUTE + 10;
      for (let i = 0; i < peers; i++) {
        const socket = await boundSocket();
        sockets.push(socket);
        await sendFrom(socket, port, openingDatagram(1000 + i));
      }
      await counterPast(() => snmp.PassiveOpens, opened + peers - 1);
      assert.equal(logs.count(ON_CONNECTION), SESSION_LINES_PER_MINUTE);
      clock.ms += 60_000;
      const last = await boundSocket();
      sockets.push(last);
      await sendFrom(last, port, openingDatagram(5000));
      const line = await logs.waitFor(/\(conv 5000\)/);
      assert.match(line, /\(10 lines about other sessions held back: more than 120 a minute\)$/);
    } finally {
      for (const s of sockets) s.close();
      server.close();
    }
  });
});
