/**
 * `npm run bench:tunnel`: our tunnel against Go kcptun 20210922, side by side on 127.0.0.1 (throughput, CPU
 * per GiB, peak RSS, latency under load), or with --memory or --soak our processes' memory over time. Prints the report
 * and writes it under docs/; exits 1 if any transfer did not arrive intact.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { goKcptunAvailable } from '../../test/support/procs.js';
import { describeEnvironment, type Environment } from './environment.js';
import { cHeapInUse, type HeapFigures } from './heap-probe.js';
import { type LatencyRecord, runLatency } from './latency-mode.js';
import { type MemoryRecord, runMemory } from './memory-mode.js';
import { type BenchOptions, parseOptions, USAGE } from './options.js';
import { latencyMarkdown, memoryMarkdown, sessionsMarkdown, throughputMarkdown } from './report.js';
import { runSessions, type SessionsRecord } from './sessions-mode.js';
import {
  defaultPairs,
  defaultSettings,
  PAIRS,
  type Pair,
  pairsFor,
  pairUsesGo,
  SETTINGS,
  type Setting,
  select,
} from './settings.js';
import { runSoak, type SoakRecord } from './soak-mode.js';
import { soakMarkdown } from './soak-report.js';
import { fixed, MIB } from './stats.js';
import { BenchTarget } from './target.js';
import { runThroughput } from './throughput.js';
import { makePayload, type Payload } from './transfer.js';

interface Plan {
  settings: Setting[];
  pairs: Pair[];
  /** Said on the console and in the report: pairs skipped because Go kcptun is not installed. */
  notices: string[];
}

function plan(opts: BenchOptions): Plan {
  const settings =
    opts.settings.length === 0 ? defaultSettings() : select(SETTINGS, opts.settings, '--settings');
  const asked = opts.pairs.length === 0 ? defaultPairs() : select(PAIRS, opts.pairs, '--pairs');
  const skipped = goKcptunAvailable() ? [] : asked.filter(pairUsesGo);
  const notices =
    skipped.length === 0
      ? []
      : [`kcptun-client/kcptun-server not installed: skipped ${skipped.map((p) => p.name).join(', ')}.`];
  for (const n of notices) console.log(`notice: ${n}`);
  return { settings, pairs: asked.filter((p) => !skipped.includes(p)), notices };
}

function mib(kib: number): string {
  return `${fixed(kib / 1024, 0)} MiB`;
}

async function throughput(opts: BenchOptions, env: Environment, target: BenchTarget, payload: Payload) {
  const { settings, pairs, notices } = plan(opts);
  const records = await runThroughput(settings, pairs, target, payload, opts, (r) => {
    const rates = r.transfers.map((t) => `${t.direction} ${fixed(t.bytes / MIB / t.seconds, 1)} MiB/s`);
    const status = r.error === undefined ? 'ok' : `FAILED: ${r.error.split('\n')[0]}`;
    console.log(`${r.setting} round ${r.round} ${r.pair}: ${rates.join(', ')} ${status}`);
  });
  const markdown = throughputMarkdown({ env, ...opts, settings, records, notices });
  return { markdown, ok: records.every((r) => r.error === undefined) };
}

async function memoryReport(opts: BenchOptions, env: Environment, target: BenchTarget, payload: Payload) {
  const { settings, pairs, notices } = plan(opts);
  const records: MemoryRecord[] = [];
  for (const setting of settings) {
    for (const pair of pairsFor(setting, pairs)) {
      const record = await runMemory(setting, pair, target, payload, opts, (s) => {
        const at = s.atSec === undefined ? '' : ` t=${s.atSec}s`;
        const rss = `client ${mib(s.clientKiB)}, server ${mib(s.serverKiB)}`;
        console.log(`${setting.name} ${pair.name} ${s.label}${at}: ${rss}`);
      });
      if (record.error !== undefined) console.log(`${setting.name} ${pair.name}: FAILED: ${record.error}`);
      records.push(record);
    }
  }
  const markdown = memoryMarkdown({ env, ...opts, records, notices });
  return { markdown, ok: records.every((r) => r.error === undefined) };
}

async function soakReport(opts: BenchOptions, env: Environment, target: BenchTarget, payload: Payload) {
  const { settings, pairs, notices } = plan(opts);
  const records: SoakRecord[] = [];
  const heap = (h: HeapFigures | undefined): string => {
    if (h === undefined) return '';
    const c = h.malloc;
    const cHeap =
      c === undefined
        ? ''
        : `, C heap ${fixed(cHeapInUse(c) / MIB, 1)} in use ${fixed(c.free / MIB, 1)} free`;
    return ` (heap ${mib(h.heapUsed / 1024)}${cHeap})`;
  };
  for (const setting of settings) {
    for (const pair of pairsFor(setting, pairs)) {
      const record = await runSoak(setting, pair, target, payload, opts, (s) => {
        const client = `client ${mib(s.client.rssKiB)}${heap(s.client.heap)}`;
        const server = `server ${mib(s.server.rssKiB)}${heap(s.server.heap)}`;
        console.log(
          `${setting.name} ${pair.name} t=${s.atSec}s ${fixed(s.movedBytes / MIB, 0)} MiB moved: ${client}, ${server}`,
        );
      });
      if (record.error !== undefined) console.log(`${setting.name} ${pair.name}: FAILED: ${record.error}`);
      records.push(record);
    }
  }
  const markdown = soakMarkdown({ env, ...opts, records, notices });
  return { markdown, ok: records.every((r) => r.error === undefined) };
}

async function latencyReport(opts: BenchOptions, env: Environment) {
  const { settings, pairs, notices } = plan(opts);
  const records = await runLatency(settings, pairs, opts, (r: LatencyRecord, round: number) => {
    const status = r.error === undefined ? 'ok' : `FAILED: ${r.error.split('\n')[0]}`;
    console.log(`${r.setting} round ${round} ${r.pair}: ${status}`);
  });
  const markdown = latencyMarkdown({ env, ...opts, settings, records, notices });
  return { markdown, ok: records.every((r) => r.error === undefined) };
}

/** The warm echo steps' time and server CPU, for the progress line. */
function warmText(r: SessionsRecord): string {
  return r.warmEchoes
    .map((e, i) => `; echo ${i + 2} ${fixed(e.sec, 2)} s, server CPU ${fixed(e.cpuServerSec, 2)} s`)
    .join('');
}

async function sessionsReport(opts: BenchOptions, env: Environment, target: BenchTarget, payload: Payload) {
  const { settings, pairs, notices } = plan(opts);
  const records: SessionsRecord[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const setting of settings) {
      for (const pair of pairsFor(setting, pairs)) {
        const r = await runSessions(setting, pair, target, payload, opts, round);
        const status =
          r.error === undefined
            ? `server ${mib(r.serverKiB)}, echo ${fixed(r.echoSec, 2)} s, server CPU ${fixed(r.echoCpuServerSec, 2)} s${warmText(r)}, bulk ${fixed(r.bulkBytes / MIB / r.bulkSec, 1)} MiB/s`
            : `FAILED: ${r.error}`;
        console.log(`${setting.name} round ${round} ${pair.name}: ${status}`);
        records.push(r);
      }
    }
  }
  const markdown = sessionsMarkdown({ env, ...opts, records, notices });
  return { markdown, ok: records.every((r) => r.error === undefined) };
}

function reportPath(opts: BenchOptions, env: Environment): string {
  if (opts.out !== '') return opts.out;
  const mode = opts.memory
    ? '-memory'
    : opts.latency
      ? '-latency'
      : opts.sessions > 0
        ? '-sessions'
        : opts.soak
          ? '-soak'
          : '';
  return path.join('docs', `bench-tunnel${mode}-${env.date}.md`);
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const opts = parseOptions(argv);
  const env = describeEnvironment(argv);
  const payload = makePayload(opts.bytes);
  const target = await BenchTarget.start(payload.data);
  try {
    const outcome = opts.memory
      ? await memoryReport(opts, env, target, payload)
      : opts.latency
        ? await latencyReport(opts, env)
        : opts.sessions > 0
          ? await sessionsReport(opts, env, target, payload)
          : opts.soak
            ? await soakReport(opts, env, target, payload)
            : await throughput(opts, env, target, payload);
    console.log(`\n${outcome.markdown}`);
    const file = reportPath(opts, env);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, outcome.markdown);
    console.log(`written to ${file}`);
    if (!outcome.ok) console.error('some transfers failed or did not arrive intact');
    return outcome.ok ? 0 : 1;
  } finally {
    await target.close();
  }
}

// SIGINT and SIGTERM end the benchmark through process.exit, so that its 'exit' handlers run (netns-placement
// removes its namespaces); the tunnels and peers it started die with it (test/support/owned.ts).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => process.exit(code));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(2);
  },
);
