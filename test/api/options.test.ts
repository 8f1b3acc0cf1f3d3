import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { checkOptions, OPTION_NAMES, OptionReader, smuxFieldsOf } from '../../src/api/options.js';
import {
  createSession,
  createTunnelClient,
  createTunnelServer,
  type DatagramLink,
  dial,
  listen,
  Scheduler,
} from '../../src/index.js';
import { clientExchange, heldExchange, TransferTarget } from '../support/transfer.js';

/** A link that drops everything: these tests only construct sessions. */
const nowhere: DatagramLink = {
  remote: 'nowhere',
  claim: () => Buffer.alloc(1500),
  send: () => {},
  release: () => {},
};

/** A manual scheduler, so that sessions built here never arm a process timer. */
function manual(): Scheduler {
  return new Scheduler({ drive: 'manual', now: () => 0 });
}

describe('library options', () => {
  it('refuse an unknown option with a TypeError naming it', async () => {
    await assert.rejects(dial('127.0.0.1:9', { key: 'k', sndwnd: 10 } as never), {
      name: 'TypeError',
      message: /dial: unknown option 'sndwnd'/,
    });
    assert.throws(
      () => createTunnelServer({ listen: ':0', target: '127.0.0.1:1', key: 'k', tcp: true } as never),
      {
        name: 'TypeError',
        message: /createTunnelServer: unknown option 'tcp'/,
      },
    );
  });

  it('refuse a value of the wrong type with a TypeError naming the option', async () => {
    await assert.rejects(dial('127.0.0.1:9', { key: 'k', mtu: '1350' } as never), {
      name: 'TypeError',
      message: /option 'mtu' must be an integer, got "1350"/,
    });
    await assert.rejects(dial('127.0.0.1:9', { key: 'k', ackNoDelay: 1 } as never), {
      name: 'TypeError',
      message: /option 'ackNoDelay' must be a boolean/,
    });
    await assert.rejects(dial('127.0.0.1:9', { key: 'k', scheduler: {} } as never), {
      name: 'TypeError',
      message: /option 'scheduler' must be a Scheduler, got an object/,
    });
    await assert.rejects(dial('127.0.0.1:9', null as never), {
      name: 'TypeError',
      message: /options must be an object/,
    });
    await assert.rejects(listen(':0', { key: 'k' }, 'not a function' as never), {
      name: 'TypeError',
      message: /onSession must be a function/,
    });
  });

  it("run mode 'auto''s controller, and leave it off in kcptun's modes", () => {
    const auto = createSession(nowhere, { crypt: 'none', mode: 'auto', scheduler: manual() });
    assert.notEqual(auto.congestion, null);
    auto.close();
    const fast3 = createSession(nowhere, { crypt: 'none', mode: 'fast3', scheduler: manual() });
    assert.equal(fast3.congestion, null);
    fast3.close();
  });

  it('require a key unless the crypt uses none', async () => {
    await assert.rejects(dial('127.0.0.1:9', {}), {
      name: 'TypeError',
      message: /option 'key' is required with crypt 'aes'/,
    });
    assert.throws(() => createTunnelClient({ localAddr: ':0', remoteAddr: '127.0.0.1:1' } as never), {
      name: 'TypeError',
      message: /option 'key' is required/,
    });
    const s = createSession(nowhere, { crypt: 'none', scheduler: manual() });
    s.close();
  });

  it('refuse values outside kcptun limits with a RangeError naming the option', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ mtu: 40 }, /option 'mtu' must be between 78 and 1500, got 40/], // aes with 10+3 FEC: KCP keeps 50
      [{ sndWnd: 0 }, /option 'sndWnd' must be between 1/],
      [{ dataShard: 200, parityShard: 100 }, /option 'dataShard' \+ parityShard must be at most 256/],
      [{ dscp: 64 }, /option 'dscp' must be between 0 and 63/],
      [{ crypt: 'rot13' }, /option 'crypt' must be one of aes, /],
      [{ mode: 'turbo' }, /option 'mode' must be one of auto, normal, fast, fast2, fast3, manual/],
    ];
    for (const [extra, message] of cases) {
      await assert.rejects(dial('127.0.0.1:9', { key: 'k', ...extra }), { name: 'RangeError', message });
    }
    await assert.rejects(dial('127.0.0.1', { key: 'k' }), {
      name: 'RangeError',
      message: /option 'address' must be host:port/,
    });
    assert.throws(
      () => createTunnelClient({ localAddr: ':0', remoteAddr: 'h:1', key: 'k', smuxVer: 3 as never }),
      {
        name: 'RangeError',
        message: /option 'smuxVer' must be between 1 and 2/,
      },
    );
    assert.throws(() => createTunnelClient({ localAddr: ':0', remoteAddr: 'h:1', key: 'k', keepAlive: 31 }), {
      name: 'RangeError',
      message: /option 'keepAlive' must be between 1 and 30/,
    });
  });

  it('take the KCP parameters from the mode unless it is manual', () => {
    assert.throws(() => createSession(nowhere, { key: 'k', interval: 10, scheduler: manual() }), {
      name: 'TypeError',
      message: /option 'interval' is set by mode 'auto': give mode 'manual'/,
    });
    assert.throws(
      () => createSession(nowhere, { key: 'k', mode: 'fast', interval: 10, scheduler: manual() }),
      {
        name: 'TypeError',
        message: /option 'interval' is set by mode 'fast': give mode 'manual'/,
      },
    );
    const s = createSession(nowhere, {
      key: 'k',
      mode: 'manual',
      noDelay: 1,
      interval: 10,
      resend: 2,
      scheduler: manual(),
    });
    s.close();
  });

  it('build both tunnel ends from options alone, without starting them', () => {
    const client = createTunnelClient({
      localAddr: '127.0.0.1:0',
      remoteAddr: '127.0.0.1:29900-29910',
      key: 'k',
    });
    const server = createTunnelServer({
      listen: ':0',
      target: '/run/some.sock',
      key: 'k',
      qpp: true,
      qppCount: 7,
    });
    client.close();
    server.close();
  });
});

describe("a tunnel client in mode 'auto'", () => {
  /** Sessions' open streams after: a held stream, a short one that ends, another held one. */
  async function streamsPerSession(clientOptions: { conn?: number; mode?: 'auto' }): Promise<number[]> {
    const target = await TransferTarget.start(0);
    const server = createTunnelServer({
      listen: '127.0.0.1:0',
      target: `127.0.0.1:${target.port}`,
      key: 'k',
    });
    const [udpPort] = await server.start();
    const client = createTunnelClient({
      localAddr: '127.0.0.1:0',
      remoteAddr: `127.0.0.1:${udpPort}`,
      key: 'k',
      ...clientOptions,
    });
    const { port } = (await client.start()) as AddressInfo;
    try {
      const first = await heldExchange(port, target, REQUEST_BYTES);
      target.bytesPerConn = REQUEST_BYTES;
      await clientExchange(port, REQUEST_BYTES);
      while (client.sessionMetrics().reduce((n, m) => n + m.streams, 0) !== 1) {
        await new Promise((r) => setTimeout(r, 20)); // the short stream's close reaches the client
      }
      const second = await heldExchange(port, target, REQUEST_BYTES);
      const streams = client.sessionMetrics().map((m) => m.streams);
      first.go();
      second.go();
      await Promise.all([first.received, second.received]);
      return streams;
    } finally {
      client.close();
      server.close();
      await target.close();
    }
  }
  const REQUEST_BYTES = 1024;

  it('dials two sessions and puts a new stream on the less loaded (round robin would not)', async () => {
    assert.deepEqual(await streamsPerSession({ mode: 'auto' }), [1, 1]);
  });
  it('keeps a given conn', async () => {
    assert.deepEqual(await streamsPerSession({ mode: 'auto', conn: 1 }), [2]);
  });
  it('is the default mode', async () => {
    assert.deepEqual(await streamsPerSession({}), [1, 1]);
  });
});

describe("a tunnel's smux buffers", () => {
  /** smuxBuf and streamBuf as createTunnelClient builds them from `options`. */
  function buffers(options: Record<string, unknown>): [number, number] {
    const values = checkOptions(
      { localAddr: ':0', remoteAddr: 'x:1', ...options },
      OPTION_NAMES.tunnelClient,
      't',
    );
    const fields = smuxFieldsOf(new OptionReader(values, 'client', 't'));
    return [fields.smuxBuf, fields.streamBuf];
  }
  const MIB = 1024 * 1024;

  it("are 16 MiB in mode 'auto' with automatic windows, as the CLI's -mode auto", () => {
    assert.deepEqual(buffers({}), [16 * MIB, 16 * MIB]);
    assert.deepEqual(buffers({ mode: 'auto' }), [16 * MIB, 16 * MIB]);
  });
  it("keep kcptun's defaults in its modes, with given windows, and when either is given", () => {
    assert.deepEqual(buffers({ mode: 'fast' }), [4 * MIB, 2 * MIB]);
    assert.deepEqual(buffers({ mode: 'auto', sndWnd: 1024 }), [4 * MIB, 2 * MIB]);
    assert.deepEqual(buffers({ mode: 'auto', streamBuf: MIB }), [4 * MIB, MIB]);
    assert.deepEqual(buffers({ mode: 'auto', smuxBuf: 8 * MIB }), [8 * MIB, 2 * MIB]);
  });
});

describe('a session on an injected scheduler', () => {
  it('moves only when the owner runs the scheduler, on the owner clock', () => {
    let now = 1000;
    const scheduler = new Scheduler({ drive: 'manual', now: () => now });
    let sent = 0;
    const counting: DatagramLink = { ...nowhere, send: () => sent++ };
    const session = createSession(counting, { crypt: 'none', mode: 'normal', scheduler, conv: 1 });
    session.write(Buffer.from('data'));
    assert.equal(sent, 0, 'nothing leaves before run()');
    const wait = scheduler.run();
    assert.equal(sent, 1, 'the write leaves on run()');
    assert.ok(wait > 0 && wait <= 40, `next update within the normal interval, got ${wait}`);
    // Unacknowledged, the segment is sent again once its RTO has passed on this clock (and not before).
    scheduler.run();
    assert.equal(sent, 1);
    for (let i = 0; i < 100 && sent === 1; i++) {
      now += 50;
      scheduler.run();
    }
    assert.equal(sent, 2, 'retransmitted after time passed on the injected clock');
    session.close();
    assert.equal(scheduler.run(), -1, 'nothing scheduled once closed');
  });

  it('refuses a bad drive', () => {
    assert.throws(() => new Scheduler({ drive: 'auto' as never }), {
      name: 'RangeError',
      message: /drive must be/,
    });
  });
});
