import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../../bench/fuzz/soak-run.js';

/** In-process RSS covers client, relay, workload and server: loose, but a leak per stream would break it. */
const MAX_RSS_GROWTH_MB = 200;

for (const mode of ['auto', 'fast'] as const) {
  test(`a short soak at 10 % loss each way in -mode ${mode}: every stream intact, memory flat`, {
    timeout: 90_000,
  }, async (t) => {
    const report = await runSoak({
      seconds: 20,
      loss: 0.1,
      server: 'in-process',
      mode,
      streams: 8,
      maxStreamBytes: 256 << 10,
      seed: 7,
      sampleSeconds: 5,
      progress: (line) => t.diagnostic(line),
    });
    assert.deepEqual(report.problems, []);
    assert.ok(
      report.relay.lossPercent > 8 && report.relay.lossPercent < 12,
      `${report.relay.lossPercent} % loss`,
    );
    assert.ok(report.longStream.intact && report.longStream.bytes > 1 << 20);
    assert.ok(report.shortStreams.completed > 100, `${report.shortStreams.completed} short streams`);
    const first = report.samples[0].selfRssMB;
    const peak = Math.max(...report.samples.map((s) => s.selfRssMB));
    assert.ok(peak - first < MAX_RSS_GROWTH_MB, `RSS ${first} -> peak ${peak} MB`);
  });
}
