/**
 * `npm run bench:link` (root, Linux): the link benchmark. Sets up the link emulator, then for every
 * profile and transport downloads the same data with a request/response probe alongside, and writes
 * docs/link-benchmark.{md,svg,json}. Options: USAGE below. Everything it starts lives in its namespaces
 * and is removed at the end, on failure and on Ctrl-C.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AccuracyReport, measureAccuracy } from './accuracy.js';
import { renderChart } from './chart.js';
import { type CompetitorSpec, describeCompetition, parseCompetitor } from './competitor.js';
import { LinkEmulator } from './emulator.js';
import { ensureDebianPackage } from './install.js';
import { NAMESPACE_B } from './netns.js';
import { makePayload } from './payload.js';
import { ProcessSet } from './processes.js';
import { downloadBytes, type LinkProfile, linkSettingsOf, PROFILES } from './profiles.js';
import { type BenchmarkReport, renderMarkdown } from './report.js';
import { isWarm, type RunResult, runOnce } from './run.js';
import { describeResponse, type LinkChange, parseChanges } from './schedule.js';
import { commandExists } from './shell.js';
import { ENDPOINT_PORT, TRANSPORTS, type Transport, transportsFor } from './transports.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ENDPOINT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'endpoint.js');
const DEFAULT_BYTES = 32 * 1024 * 1024;
const DEFAULT_CAP_S = 30;
const DEFAULT_REPEAT = 3;
/**
 * Idle time before the warm download: longer than the controller's min-RTT window (10 s, BBR's), as a
 * client's next download usually comes later than that, so the warm run also shows what an expired min
 * RTT does to a session that restarts from idle; short enough to keep the full benchmark under an hour.
 */
const DEFAULT_WARM_IDLE_S = 12;
/** Per run on top of its cap: process start-up, the fetcher's grace period, settling. */
const RUN_OVERHEAD_MS = 30_000;
/** Set-up, the accuracy phase and writing the results. */
const FIXED_BUDGET_MS = 180_000;
const READY_TIMEOUT_MS = 10_000;

/** A mistake in the options: reported with the usage, without a stack trace. */
class UsageError extends Error {}

const USAGE = `usage: npm run bench:link -- [options]   (root, Linux)
  --profiles ID,...     links to run (default: all): ${PROFILES.filter((p) => !p.onlyWhenNamed)
    .map((p) => p.id)
    .join(', ')}; also ${PROFILES.filter((p) => p.onlyWhenNamed)
    .map((p) => p.id)
    .join(', ')} (not in all)
  --transports ID,...   transports (default: all): ${TRANSPORTS.filter((t) => !t.onlyWhenNamed)
    .map((t) => t.id)
    .join(', ')}; also ${TRANSPORTS.filter((t) => t.onlyWhenNamed)
    .map((t) => t.id)
    .join(', ')} (not in all)
  --bytes N[K|M|G]      bulk size (default 32M; a slow profile moves at most its own, profiles.ts)
  --cap-s N             time cap per run in seconds (default ${DEFAULT_CAP_S})
  --repeat N            runs per profile and transport, the median is reported (default ${DEFAULT_REPEAT})
  --out DIR             where link-benchmark.{md,svg,json} go (default docs)
  --skip-accuracy       no emulator self-check with iperf3
  --fast3-window-bdp F  the fast3 rows' window in BDPs on every profile, instead of each profile's tuned
                        one (how the Go window sweep is run)
  --ratelimit N         -ratelimit N (bytes per second) on both ends of every kcptun row
  --warm-idle-s N       after each (cold) download, wait N s and download again through the same tunnel
                        (warm), reported beside the cold figure; 0: cold only (default ${DEFAULT_WARM_IDLE_S})
  --changes LIST        change the link during each download: AT:KEY=VALUE[:KEY=VALUE...],... with AT like
                        4s or 4500ms since the download began, KEY rate (Mbit/s), delay (one-way ms) or loss
                        (percent), both directions; 0s sets the starting link. E.g. "4s:rate=10",
                        "0s:loss=1,4s:loss=100,7s:loss=1" (a 3 s outage); bench/link/schedule.ts
  --competitor ID[@AT]  a competing bulk download beside each one, through its own transport (tcp-cubic,
                        tcp-bbr, ts-auto or go-kcptun) over the same link and queue, starting AT (like 3s;
                        default 0s) after ours; cold runs only (needs --warm-idle-s 0); bench/link/competitor.ts`;

function pick<T extends { id: string; onlyWhenNamed?: boolean }>(
  all: readonly T[],
  list: string | undefined,
  what: string,
): T[] {
  if (list === undefined) return all.filter((x) => !x.onlyWhenNamed);
  return list.split(',').map((id) => {
    const found = all.find((x) => x.id === id);
    if (found === undefined)
      throw new UsageError(`--${what}: unknown ${id} (known: ${all.map((x) => x.id).join(', ')})`);
    return found;
  });
}

/** A byte count with an optional binary suffix: 16M = 16 MiB, 512K, 1G. */
function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text.trim());
  if (m === null) return Number.NaN;
  const shift = { '': 0, K: 10, M: 20, G: 30 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * 2 ** shift);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const { values } = parseArgs({
    options: {
      profiles: { type: 'string' },
      transports: { type: 'string' },
      bytes: { type: 'string', default: String(DEFAULT_BYTES) },
      'cap-s': { type: 'string', default: String(DEFAULT_CAP_S) },
      out: { type: 'string', default: path.join(REPO_ROOT, 'docs') },
      'skip-accuracy': { type: 'boolean', default: false },
      repeat: { type: 'string', default: String(DEFAULT_REPEAT) },
      'fast3-window-bdp': { type: 'string' },
      ratelimit: { type: 'string' },
      'warm-idle-s': { type: 'string', default: String(DEFAULT_WARM_IDLE_S) },
      changes: { type: 'string' },
      competitor: { type: 'string' },
    },
  });
  if (process.getuid?.() !== 0) throw new Error('bench:link needs root (network namespaces, TUN devices)');
  const profiles: LinkProfile[] = pick(PROFILES, values.profiles, 'profiles');
  const windowBdp = values['fast3-window-bdp'] === undefined ? undefined : Number(values['fast3-window-bdp']);
  if (windowBdp !== undefined && !(windowBdp > 0))
    throw new UsageError('--fast3-window-bdp must be a positive number');
  const rateLimit = values.ratelimit === undefined ? undefined : Number(values.ratelimit);
  if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0))
    throw new UsageError('--ratelimit must be a positive integer');
  const transports: Transport[] = pick(
    transportsFor({ fast3WindowBdp: windowBdp, rateLimit }),
    values.transports,
    'transports',
  );
  const bytes = parseBytes(values.bytes);
  const capMs = Number(values['cap-s']) * 1000;
  const repeat = Number(values.repeat);
  const warmIdleMs = Number(values['warm-idle-s']) * 1000;
  if (!(bytes > 0) || !(capMs > 0)) throw new UsageError('--bytes and --cap-s must be positive numbers');
  if (!(warmIdleMs >= 0)) throw new UsageError('--warm-idle-s must be 0 or more');
  if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError('--repeat must be a positive integer');
  let changes: LinkChange[] = [];
  if (values.changes !== undefined) {
    try {
      changes = parseChanges(values.changes);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const late = changes.find((c) => c.atMs >= capMs);
    if (late !== undefined) throw new UsageError(`--changes: ${late.atMs} ms is not within --cap-s`);
  }
  let competitor: CompetitorSpec | undefined;
  if (values.competitor !== undefined) {
    try {
      competitor = parseCompetitor(values.competitor);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (warmIdleMs > 0)
      throw new UsageError('--competitor runs beside cold downloads only: add --warm-idle-s 0');
    if (competitor.offsetMs >= capMs)
      throw new UsageError(`--competitor: ${competitor.offsetMs} ms is not within --cap-s`);
  }
  const competitorTransport =
    competitor === undefined
      ? undefined
      : transportsFor({ fast3WindowBdp: windowBdp, rateLimit }).find((t) => t.id === competitor.transport)!;
  for (const tool of ['ip', 'gcc', 'ss']) if (!commandExists(tool)) throw new Error(`${tool} is required`);
  const installed: string[] = [];
  if (
    transports.some((t) => t.id === 'go-kcptun' || t.id === 'ts-auto-go') ||
    competitor?.transport === 'go-kcptun'
  ) {
    installed.push(ensureDebianPackage('kcptun-server', 'kcptun') ?? '');
  }
  if (!values['skip-accuracy']) installed.push(ensureDebianPackage('iperf3', 'iperf3') ?? '');
  for (const line of installed) if (line !== '') console.log(line);

  const perRunMs = capMs + RUN_OVERHEAD_MS + (warmIdleMs > 0 ? warmIdleMs + capMs + RUN_OVERHEAD_MS : 0);
  const budgetMs = FIXED_BUDGET_MS + repeat * profiles.length * transports.length * perRunMs;
  const payload = makePayload(bytes);
  const emulator = await LinkEmulator.up();
  const procs = new ProcessSet();
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> => {
    cleaning ??= (async () => {
      await procs.stopAll();
      for (const line of await emulator.down()) console.log(`teardown: ${line}`);
    })();
    return cleaning;
  };
  const abort = (why: string, code: number) => {
    console.error(why);
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  const deadline = setTimeout(() => abort(`time budget of ${budgetMs / 1000} s exceeded`, 1), budgetMs);
  try {
    const server = procs.start(NAMESPACE_B, 'endpoint server', process.execPath, [
      ENDPOINT,
      'serve',
      String(ENDPOINT_PORT),
      String(bytes),
    ]);
    await server.waitFor('endpoint serving', READY_TIMEOUT_MS);
    let accuracy: AccuracyReport | null = null;
    if (!values['skip-accuracy']) {
      console.log('emulator accuracy and capacity ...');
      accuracy = await measureAccuracy(emulator);
    }
    const runs: RunResult[] = [];
    // the machine's 1-minute load average before each run: the two cores are shared (docs/link-benchmark.md)
    const loads: number[] = [];
    for (const profile of profiles) {
      await emulator.configure(linkSettingsOf(profile));
      // interleaved, so that a noisy minute on the shared machine hits every transport alike
      for (let round = 0; round < repeat; round++) {
        for (const transport of transports) {
          loads.push(loadavg()[0]);
          const results = await runOnce(emulator, profile, transport, {
            bytes: downloadBytes(profile, bytes),
            capMs,
            payload,
            warmIdleMs,
            changes,
            ...(competitor === undefined
              ? {}
              : { competitor: { spec: competitor, transport: competitorTransport! } }),
          });
          runs.push(...results);
          for (const r of results) {
            const overhead = r.wire?.perDeliveredByte?.toFixed(2) ?? '-';
            console.log(
              `${profile.id.padEnd(14)} ${transport.id.padEnd(10)} ${isWarm(r) ? 'warm' : 'cold'} ` +
                `${r.goodputMbit.toFixed(2).padStart(7)} Mbit/s ` +
                `probe p50 ${r.probe.p50Ms?.toFixed(0) ?? '-'} p99 ${r.probe.p99Ms?.toFixed(0) ?? '-'} ms ` +
                `wire x${overhead} queue drops ${r.wire?.queueDrops ?? '-'} ` +
                (r.loopbackTcpDrops ? `loopback TCP drops ${r.loopbackTcpDrops} (host disturbed) ` : '') +
                `${r.complete ? 'complete' : 'capped'}${r.ok ? '' : ` FAILED: ${r.error}`}`,
            );
            if (r.linkChanges !== undefined) console.log(`  ${describeResponse(r.linkChanges.response)}`);
            if (r.competition !== undefined) console.log(`  ${describeCompetition(r.competition)}`);
          }
        }
      }
    }
    const report: BenchmarkReport = {
      date: new Date().toISOString(),
      node: process.version,
      bytes,
      capMs,
      repeat,
      warmIdleMs,
      ...(values.changes === undefined ? {} : { changes: values.changes }),
      ...(values.competitor === undefined ? {} : { competitor: values.competitor }),
      loadAverages: loads,
      profiles,
      runs,
      accuracy,
    };
    mkdirSync(values.out, { recursive: true });
    const base = path.join(values.out, 'link-benchmark');
    writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 1)}\n`);
    writeFileSync(`${base}.svg`, renderChart(report));
    writeFileSync(`${base}.md`, renderMarkdown(report));
    console.log(`wrote ${base}.md, .svg, .json`);
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

main().catch((err: unknown) => {
  // A mistyped option gets the usage, not a stack trace.
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_') === true) {
    console.error(`${(err as Error).message}\n${USAGE}`);
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  }
  process.exitCode = 1;
});
