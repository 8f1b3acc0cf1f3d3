import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLASS_NAMES } from '../../bench/fuzz/classes/index.js';
import { formatClassLine, runFuzz } from '../../bench/fuzz/run.js';

/** In-process RSS covers the fuzzer, the client and the server: a loose bound that a leak would still break. */
const MAX_RSS_GROWTH_MB = 300;

for (const mode of ['auto', 'fast'] as const) {
  test(`every fuzz class against a live tunnel in -mode ${mode}: server up, transfer intact, memory bounded`, {
    timeout: 120_000,
  }, async (t) => {
    const report = await runFuzz({
      secondsPerClass: 1,
      seed: 20260101,
      classes: CLASS_NAMES,
      server: 'in-process',
      mode,
      rate: 3000,
      liveStreams: 2,
      liveBytes: 64 << 10,
      sockets: 16,
    });
    for (const c of report.classes) t.diagnostic(formatClassLine(c));
    assert.deepEqual(report.problems, []);
    assert.deepEqual(
      report.classes.map((c) => c.name),
      CLASS_NAMES,
    );
    for (const c of report.classes) {
      assert.ok(c.inputs > 20, `${c.name}: only ${c.inputs} inputs`);
      assert.ok(c.verified && c.serverAlive, c.name);
    }
    assert.ok(report.live.completed > 0);
    assert.ok(
      report.finalRssMB - report.baselineRssMB < MAX_RSS_GROWTH_MB,
      `RSS ${report.baselineRssMB} -> ${report.finalRssMB} MB`,
    );
  });
}
