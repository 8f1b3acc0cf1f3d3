/**
 * The -metrics HTTP server on its own, over a fake tunnel view: health answers, bad requests, a view that
 * throws, the per-session series cap, and rates computed from counters over time.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { MetricsServer } from '../../src/metrics/http-server.js';
import { MAX_SESSION_SERIES, snakeCase } from '../../src/metrics/prometheus.js';
import { Snmp } from '../../src/metrics/snmp.js';
import type { Health, TunnelSessionMetrics, TunnelView } from '../../src/metrics/status.js';
import { nowMs } from '../../src/transport/clock.js';
import type { SessionMetrics } from '../../src/transport/session.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

/** A session opened `OPENED_MS_AGO` before the test that has sent `rate` bytes/s ever since, as of now. */
const OPENED_MS_AGO = 10_000;

function sessionMetrics(conv: number, rate: number, openedAt: number): SessionMetrics {
  const now = nowMs();
  const bytesSent = Math.round((rate * ((now - openedAt) >>> 0)) / 1000);
  return {
    conv,
    remote: `10.0.0.${conv % 250}:${1000 + conv}`,
    openedAt,
    bytesSent,
    bytesReceived: 0,
    bytesAcked: bytesSent,
    datagramsReceived: 100,
    fecRecovered: 5,
    segmentsSent: 90,
    segmentsRetransmitted: 10,
    srtt: 20,
    rttvar: 5,
    rto: 200,
    inFlight: 3,
    sndWnd: 128,
    rcvWnd: 512,
    rmtWnd: 1024,
    lastReceivedAt: now,
  };
}

class FakeView implements TunnelView {
  health_: Health = { ok: true };
  /** Bytes per second each session sends, conv i + 1 at rates[i]. */
  rates: number[] = [];
  throwing = false;
  private readonly openedAt = (nowMs() - OPENED_MS_AGO) >>> 0;
  sessionMetrics(): TunnelSessionMetrics[] {
    if (this.throwing) throw new Error('view failed');
    return this.rates.map((rate, i) => ({ session: sessionMetrics(i + 1, rate, this.openedAt), streams: 1 }));
  }
  health(): Health {
    return this.health_;
  }
}

async function withServer(view: FakeView, run: (base: string) => Promise<void>): Promise<void> {
  const server = await MetricsServer.listen({
    host: '127.0.0.1',
    port: 0,
    role: 'server',
    version: 'test',
    view,
    settings: { key: 'secret', mode: 'fast2', crypt: 'aes' },
    snmp: new Snmp(),
  });
  try {
    await run(`http://127.0.0.1:${server.address.port}`);
  } finally {
    server.close();
  }
}

/** A raw HTTP request, for what fetch refuses to send. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('metrics HTTP server', () => {
  it('names SNMP fields in snake case', () => {
    assert.equal(snakeCase('InCsumErrors'), 'in_csum_errors');
    assert.equal(snakeCase('KCPInErrors'), 'kcp_in_errors');
    assert.equal(snakeCase('FECRecovered'), 'fec_recovered');
    assert.equal(snakeCase('OOBPackets'), 'oob_packets');
    assert.equal(snakeCase('RingBufferSndQueue'), 'ring_buffer_snd_queue');
  });

  it('answers /healthz 503 with the reason, and kcptun_up follows it', async () => {
    const view = new FakeView();
    await withServer(view, async (base) => {
      view.health_ = { ok: false, reason: 'no datagram from 1.2.3.4:29900 (conv 7) for 31 s' };
      const r = await fetch(`${base}/healthz`);
      assert.equal(r.status, 503);
      assert.equal(await r.text(), 'no datagram from 1.2.3.4:29900 (conv 7) for 31 s\n');
      const families = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
      assert.equal(families.get('kcptun_up')?.samples[0].value, 0);
      view.health_ = { ok: true };
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });
  });

  it('survives bad requests and a failing view: 400, 405, 500, then serves again', async () => {
    const view = new FakeView();
    await withServer(view, async (base) => {
      const port = Number(new URL(base).port);
      assert.match(
        await raw(port, 'GET http://[bad/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        /^HTTP\/1\.1 400/,
      );
      assert.match(await raw(port, 'garbage\r\n\r\n'), /^HTTP\/1\.1 400/);
      assert.match(
        await raw(port, 'HEAD /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        /^HTTP\/1\.1 405/,
      );
      view.throwing = true;
      const failed = await fetch(`${base}/status`);
      assert.equal(failed.status, 500);
      assert.match(await failed.text(), /view failed/);
      assert.equal((await fetch(`${base}/metrics`)).status, 500);
      view.throwing = false;
      assert.equal((await fetch(`${base}/status`)).status, 200);
    });
  });

  it(`exposes at most ${MAX_SESSION_SERIES} sessions, the busiest, and masks the key`, async () => {
    const view = new FakeView();
    view.rates = Array.from({ length: MAX_SESSION_SERIES + 20 }, (_, i) => (i + 1) * 1000);
    await withServer(view, async (base) => {
      const families = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
      const srtt = families.get('kcptun_session_srtt_seconds');
      assert.equal(srtt?.samples.length, MAX_SESSION_SERIES);
      // the busiest come first; the 20 quietest are left out
      const convs = new Set(srtt?.samples.map((s) => Number(s.labels.conv)));
      assert.ok(convs.has(MAX_SESSION_SERIES + 20));
      assert.ok(!convs.has(1));
      const ratio = families.get('kcptun_session_retransmission_ratio')?.samples[0].value;
      assert.equal(ratio, 0.1);
      assert.equal(families.get('kcptun_sessions')?.samples[0].value, MAX_SESSION_SERIES + 20);
      const status = JSON.parse(await (await fetch(`${base}/status`)).text());
      assert.equal(status.settings.key, '********');
      assert.equal(status.sessions[0].mode, 'fast2');
      assert.equal(status.sessions[0].fecRecoveryRatio, 0.05);
      // rates come from the byte counters over time, whichever sample window this request fell in
      const top = status.sessions[0];
      assert.equal(top.conv, MAX_SESSION_SERIES + 20);
      const expected = (MAX_SESSION_SERIES + 20) * 1000;
      assert.ok(Math.abs(top.sendRate - expected) < expected * 0.05, `send rate ${top.sendRate}`);
    });
  });
});
