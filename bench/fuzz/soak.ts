/**
 * `node dist/bench/fuzz/soak.js [--seconds 300] [--loss 0.1] [--streams 16] [--max-bytes N] [--seed N]
 *  [--sample 10] [--mode auto|fast] [--in-process] [--json FILE]` (after `npm run build`)
 *
 * A long run of the tunnel at 10 % loss each way: one endless echo stream plus many short ones opening
 * and closing, all sha256-checked, with the server's RSS sampled. Exits 1 on any lost or corrupted byte.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { runBenchMain, UsageError } from '../cli-usage.js';
import { DEFAULT_SOAK_OPTIONS, runSoak, type SoakOptions } from './soak-run.js';
import { tunnelModeOption } from './tunnel-under-test.js';

const USAGE = `usage: node dist/bench/fuzz/soak.js [options]
  --seconds N    how long to run (default ${DEFAULT_SOAK_OPTIONS.seconds})
  --loss F       random loss each way, 0 to 1 (default ${DEFAULT_SOAK_OPTIONS.loss})
  --streams N    short streams open at once beside the endless one (default ${DEFAULT_SOAK_OPTIONS.streams})
  --max-bytes N  the most bytes one short stream carries (default ${DEFAULT_SOAK_OPTIONS.maxStreamBytes})
  --seed N       the random source's seed (default ${DEFAULT_SOAK_OPTIONS.seed})
  --sample N     seconds between the server's RSS samples (default ${DEFAULT_SOAK_OPTIONS.sampleSeconds})
  --mode M       both ends' -mode: auto (ours, the default) or fast (kcptun's default)
  --in-process   run the server in this process instead of a child kcptun-server
  --json FILE    write the report as JSON`;

function numberOption(value: string | undefined, name: string, fallback: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`--${name}: invalid value ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      loss: { type: 'string' },
      streams: { type: 'string' },
      'max-bytes': { type: 'string' },
      seed: { type: 'string' },
      sample: { type: 'string' },
      mode: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const d = DEFAULT_SOAK_OPTIONS;
  const options: SoakOptions = {
    seconds: numberOption(values.seconds, 'seconds', d.seconds),
    loss: numberOption(values.loss, 'loss', d.loss, 1),
    server: values['in-process'] ? 'in-process' : 'child',
    mode: tunnelModeOption(values.mode, d.mode),
    streams: numberOption(values.streams, 'streams', d.streams),
    maxStreamBytes: numberOption(values['max-bytes'], 'max-bytes', d.maxStreamBytes),
    seed: numberOption(values.seed, 'seed', d.seed),
    sampleSeconds: numberOption(values.sample, 'sample', d.sampleSeconds),
    progress: (line) => console.log(line),
  };
  const report = await runSoak(options);
  const { relay, longStream, shortStreams } = report;
  console.log(
    `relay: ${relay.forwarded} forwarded, ${relay.dropped} dropped (${relay.lossPercent} %); ` +
      `long stream: ${(longStream.bytes / (1 << 20)).toFixed(1)} MB at ${longStream.megabytesPerSecond} MB/s, ` +
      `intact ${longStream.intact}; short streams: ${shortStreams.completed} ok, ${shortStreams.failed} failed, ` +
      `${shortStreams.corrupted} corrupted, ${shortStreams.megabytes} MB`,
  );
  if (values.json !== undefined) fs.writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  for (const p of report.problems) console.log(`PROBLEM ${p}`);
  console.log(report.problems.length === 0 ? 'soak: ok' : `soak: ${report.problems.length} problems`);
  process.exitCode = report.problems.length === 0 ? 0 : 1;
}

runBenchMain(USAGE, main);
