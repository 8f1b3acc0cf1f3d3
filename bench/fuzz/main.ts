/**
 * `npm run fuzz -- [--seconds N] [--seed N] [--classes a,b] [--mode auto|fast] [--in-process] [--rate N] [--settle N]
 *  [--json FILE]`
 *
 * Sends every class of hostile datagrams (see classes/) to a kcptun-server under a live, sha256-checked
 * transfer, and prints inputs tried, sessions opened, live exchanges and RSS per class. Exits 1 if the
 * server died, a live exchange failed or was corrupted, or a new connection did not work after a class.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { runBenchMain, UsageError } from '../cli-usage.js';
import { CLASS_NAMES } from './classes/index.js';
import { DEFAULT_FUZZ_OPTIONS, type FuzzOptions, runFuzz } from './run.js';
import { tunnelModeOption } from './tunnel-under-test.js';

const USAGE = `usage: npm run fuzz -- [options]
  --seconds N    seconds per class of hostile datagrams (default ${DEFAULT_FUZZ_OPTIONS.secondsPerClass})
  --seed N       the generators' seed (default ${DEFAULT_FUZZ_OPTIONS.seed})
  --classes A,B  classes to send (default: all): ${CLASS_NAMES.join(', ')}
  --mode M       both ends' -mode: auto (ours, the default) or fast (kcptun's default)
  --in-process   run the server in this process instead of a child kcptun-server
  --rate N       hostile datagrams per second (default ${DEFAULT_FUZZ_OPTIONS.rate})
  --settle N     seconds to wait at the end before counting the sessions the server still holds
  --json FILE    write the report as JSON`;

function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      seed: { type: 'string' },
      classes: { type: 'string' },
      mode: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      rate: { type: 'string' },
      settle: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const d = DEFAULT_FUZZ_OPTIONS;
  const options: FuzzOptions = {
    ...d,
    secondsPerClass: positiveNumber(values.seconds, 'seconds', d.secondsPerClass),
    seed: values.seed === undefined ? d.seed : Number.parseInt(values.seed, 10) >>> 0,
    classes: values.classes === undefined ? CLASS_NAMES : values.classes.split(','),
    server: values['in-process'] ? 'in-process' : 'child',
    mode: tunnelModeOption(values.mode, d.mode),
    rate: positiveNumber(values.rate, 'rate', d.rate),
    settleSeconds: values.settle === undefined ? 0 : positiveNumber(values.settle, 'settle', 0),
    progress: (line) => console.log(line),
  };
  const report = await runFuzz(options);
  const held = report.finalSessionsHeld === undefined ? '' : `; ${report.finalSessionsHeld} sessions held`;
  console.log(
    `live total: ${JSON.stringify(report.live)}; RSS ${report.baselineRssMB} -> ${report.finalRssMB} MB${held}`,
  );
  if (values.json !== undefined) fs.writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  for (const p of report.problems) console.log(`PROBLEM ${p}`);
  console.log(report.problems.length === 0 ? 'fuzz: ok' : `fuzz: ${report.problems.length} problems`);
  process.exitCode = report.problems.length === 0 ? 0 : 1;
}

runBenchMain(USAGE, main);
