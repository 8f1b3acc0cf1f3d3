/**
 * The live status page in a real headless browser (Debian's chromium): opened while a transfer runs, it
 * must chart non-zero throughput, read back from the page and from the canvas pixels. The screenshot it
 * saves is the README's (UPDATE_SCREENSHOT=1 writes it to docs/status-page.png).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Chromium, findChromium } from '../support/chromium.js';
import { CountingTarget, startMetricsTunnel } from '../support/metrics-tunnel.js';

const WIDTH = 1280;
const HEIGHT = 560;
const NARROW_WIDTH = 800;
/** Bytes per second the target sends down the tunnel, and the test up, while the page is open. */
const DOWNLOAD_RATE = 2 << 20;
const UPLOAD_RATE = 1 << 19;
const UPLOAD_TICK_MS = 50;
/** Poll results (one a second) the charts must hold before the screenshot. */
const MIN_SAMPLES = 20;
const PAGE_DEADLINE_MS = 90_000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Pixels of the throughput chart's "received" line colour (#1fa36b) inside the plot area. */
const RECEIVED_LINE_PIXELS = `(() => {
  const c = document.getElementById('chart-throughput');
  const d = c.getContext('2d').getImageData(70, 0, c.width - 70, c.height - 22).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && d[i] < 80 && d[i + 1] > 130 && d[i + 2] < 140) n++;
  return n;
})()`;

const chromium = findChromium();

/**
 * Whether a chart's top grid label is round in the unit it reads in: a quarter of its number is 1, 2, 2.5
 * or 5 x 10^k ("4.00 MiB/s", "1000 KiB/s", "80 ms"). A 2 MiB/s transfer's top once read "3.81 MiB/s": rounded
 * in powers of ten while labelled in powers of 1024.
 */
function roundTopLabel(label: string): boolean {
  const quarter = Number.parseFloat(label) / 4;
  const m = quarter / 10 ** Math.floor(Math.log10(quarter));
  return [1, 2, 2.5, 5, 10].some((nice) => Math.abs(m - nice) < 1e-9);
}

describe('live status page', () => {
  it('charts non-zero throughput in headless Chromium while a transfer runs', {
    skip: chromium === null ? 'no Chromium installed (apt-get install chromium)' : false,
    timeout: 180_000,
  }, async () => {
    const target = await CountingTarget.start(DOWNLOAD_RATE);
    const tunnel = await startMetricsTunnel(target.port);
    const browser = Chromium.launch(chromium as string, WIDTH, HEIGHT);
    const socket = net.connect(tunnel.clientPort, '127.0.0.1');
    socket.on('data', () => {}); // read and discard the download
    socket.on('error', () => {});
    const chunk = Buffer.alloc((UPLOAD_RATE * UPLOAD_TICK_MS) / 1000, 0x3c);
    const upload = setInterval(() => {
      if (!socket.writableNeedDrain && !socket.destroyed) socket.write(chunk);
    }, UPLOAD_TICK_MS);
    try {
      const page = await browser.open(`${tunnel.clientMetrics}/`, WIDTH, HEIGHT);
      const start = Date.now();
      let state = { samples: 0, throughput: 0 };
      for (;;) {
        state = (await browser.evaluate(
          page,
          // document.body is null until the page has loaded
          '({ samples: Number(document.body?.dataset.samples ?? 0), throughput: Number(document.body?.dataset.throughput ?? 0) })',
        )) as typeof state;
        if (state.samples >= MIN_SAMPLES && state.throughput > 0) break;
        if (Date.now() - start > PAGE_DEADLINE_MS) {
          assert.fail(
            `after ${PAGE_DEADLINE_MS} ms the page shows ${JSON.stringify(state)}\n${tunnel.client.log}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(state.throughput > 0);
      const linePixels = (await browser.evaluate(page, RECEIVED_LINE_PIXELS)) as number;
      assert.ok(linePixels > 50, `the throughput chart draws its line (${linePixels} pixels)`);
      const rows = (await browser.evaluate(
        page,
        'document.querySelectorAll("#session-rows tr").length',
      )) as number;
      assert.equal(rows, 1, 'the session table lists the one session');
      const health = (await browser.evaluate(
        page,
        'document.getElementById("health").textContent',
      )) as string;
      assert.equal(health, 'healthy');
      const ticks = (await browser.evaluate(
        page,
        'document.getElementById("chart-throughput").dataset.ticks',
      )) as string;
      const top = ticks.split('|')[4] ?? '';
      assert.ok(roundTopLabel(top), `the throughput chart's grid reads round: ${ticks}`);

      const png = await browser.screenshot(page);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const out =
        process.env.UPDATE_SCREENSHOT === '1'
          ? path.join(repoRoot, 'docs', 'status-page.png')
          : path.join(os.tmpdir(), 'kcptun-status-page.png');
      writeFileSync(out, png);

      // A narrower window (a laptop's half screen): the page keeps to it, the session table scrolling in
      // its card; its 15 columns made the whole page scroll sideways, the last ones out of view.
      await browser.resize(page, NARROW_WIDTH, HEIGHT);
      const overflow = (await browser.evaluate(
        page,
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      )) as number;
      assert.equal(overflow, 0, `the page is ${overflow} px wider than a ${NARROW_WIDTH} px window`);
    } finally {
      clearInterval(upload);
      socket.destroy();
      await browser.close();
      await tunnel.stop();
      target.close();
    }
  });

  it('labels every chart of an idle tunnel with distinct values', {
    skip: chromium === null ? 'no Chromium installed (apt-get install chromium)' : false,
    timeout: 120_000,
  }, async () => {
    const target = await CountingTarget.start(DOWNLOAD_RATE);
    const tunnel = await startMetricsTunnel(target.port);
    const browser = Chromium.launch(chromium as string, WIDTH, HEIGHT);
    try {
      const page = await browser.open(`${tunnel.clientMetrics}/`, WIDTH, HEIGHT);
      const start = Date.now();
      let ticks: string[] = [];
      for (;;) {
        ticks = (await browser.evaluate(
          page,
          '["chart-throughput", "chart-rtt", "chart-loss"].map((id) => document.getElementById(id)?.dataset.ticks ?? "")',
        )) as string[];
        if (ticks.every((t) => t !== '')) break;
        if (Date.now() - start > PAGE_DEADLINE_MS)
          assert.fail(`after ${PAGE_DEADLINE_MS} ms no chart is drawn`);
        await new Promise((r) => setTimeout(r, 250));
      }
      for (const t of ticks) {
        const labels = t.split('|');
        assert.equal(labels.length, 5, t);
        assert.equal(new Set(labels).size, 5, `grid labels ${t}`);
        assert.ok(roundTopLabel(labels[4] ?? ''), `grid labels read round: ${t}`);
      }
    } finally {
      await browser.close();
      await tunnel.stop();
      target.close();
    }
  });
});
