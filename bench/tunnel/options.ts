/**
 * Command-line options of `npm run bench:tunnel`. Sizes take binary suffixes (K, M, G = 2^10, 2^20,
 * 2^30), so "100M" is 100 MiB and every rate and size in the report is binary too.
 */
export interface BenchOptions {
  /** Bytes in one bulk transfer (each direction). */
  bytes: number;
  /**
   * Throughput mode: bytes of an unmeasured upload and download on each round's fresh processes before the
   * measured ones (0: none, the cold figures). Our processes run their first ~100-300 MiB at up to twice
   * their steady CPU per byte while V8 optimizes the packet path (docs/bench-tunnel-order-2026-12-04.md).
   */
  warmupBytes: number;
  rounds: number;
  /** Setting names, in the order given. */
  settings: string[];
  /** Pair names such as "ts-go" (client implementation, then server implementation). */
  pairs: string[];
  /** Round-trip probes during each bulk transfer, at most. */
  probes: number;
  probeIntervalMs: number;
  /** Bound on one transfer, probes included; the run fails if it is exceeded. */
  timeoutMs: number;
  memory: boolean;
  /** Latency mode: round trips idle and under load, every peer in its own process. */
  latency: boolean;
  /** Latency mode: how long each bulk stream loads the tunnel. */
  loadSec: number;
  /** Latency mode: bulk streams loading the tunnel at once, each its own connection and process. */
  loadStreams: number;
  /**
   * Latency mode: bytes/s of the bulk streams together, paced at their sources (0: as fast as the tunnel
   * carries them). Round trips at the same load as another implementation's, which carries less.
   */
  loadRate: number;
  /** Memory and soak modes: how long the long transfer runs. */
  durationSec: number;
  /** Soak mode: a paced transfer held for durationSec, memory sampled every sampleEverySec. */
  soak: boolean;
  /** Soak mode: bytes per second of the paced transfers. */
  rate: number;
  sampleEverySec: number;
  /** Memory mode: streams held open at once. */
  streams: number;
  /** Sessions mode when positive: the client's -conn, one echoing connection per session. */
  sessions: number;
  /** Sessions mode: bulk uploads at once, each on its own session. */
  bulkSessions: number;
  /** Sessions mode: echo steps after the first through the same processes and sessions (warm). */
  warmEchoes: number;
  /**
   * Sessions mode: the first warm echo through a client process started for it, so 1000 new sessions reach
   * the warm server: what a fresh server would cost if its code were warm (the bound of any warm-up); the
   * later warm echoes through its sessions again.
   */
  freshClient: boolean;
  /** Report path; empty means docs/bench-tunnel[-memory]-<date>.md. */
  out: string;
}

const KIB = 1024;
const UNITS: Record<string, number> = { '': 1, K: KIB, M: KIB ** 2, G: KIB ** 3 };
const MIB = KIB ** 2;

/** A transfer slower than this is a hang, not a measurement. */
const SLOWEST_EXPECTED_BYTES_PER_SEC = MIB;
const MIN_TIMEOUT_MS = 60_000;

const QUICK = { bytes: 20 * MIB, rounds: 1, probes: 50, durationSec: 30, streams: 200, loadSec: 2 };
/** Soak mode's defaults: half an hour at a rate that costs the tunnel little CPU, sampled every minute. */
const SOAK = {
  durationSec: 1800,
  quickDurationSec: 60,
  rate: 2 * MIB,
  sampleEverySec: 60,
  quickSampleEverySec: 10,
};
/** A paced transfer gets twice its planned time before it counts as hung. */
const PACED_TIMEOUT_FACTOR = 2;

export const USAGE = `usage: npm run bench:tunnel -- [options]
  --bytes N         bytes per bulk transfer, K/M/G suffixes (default 100M; --quick 20M)
  --rounds N        rounds per setting, each pair alternating (default 2; --quick and --sessions 1);
                    odd rounds measure up then down, even rounds down then up
  --warmup N        throughput mode: an unmeasured upload and download of N bytes on each round's
                    fresh processes first; sessions mode: an unmeasured upload of N bytes through each
                    bulk session first; K/M/G suffixes, at most --bytes (default 0: cold processes)
  --settings LIST   all, or comma-separated names: defaults,wnd1024,wnd1024-nocomp,fast3-raw; also
                    auto (-mode auto, ours only: with the pairs of ours alone; not in all);
                    auto-go (-mode auto on our end, Go at its defaults: with go-ts,ts-go; not in all)
  --pairs LIST      all, or comma-separated client-server pairs: ts-ts,go-go,ts-go,go-ts; also
                    ts-ts-metrics (ours with -metrics on, /metrics scraped every second; not in all);
                    ts-ts-tcp,go-go-tcp (-tcp, the two ends in network namespaces joined by a veth;
                    root; not in all); ts-ts-w2,go-ts-w2 (our server with -workers 2; not in all);
                    ts-ts-cw2,ts-go-cw2 (our client with -workers 2), ts-ts-cw2-w2 (both; not in all)
  --probes N        64-byte round trips per bulk transfer, at most (default 200; --quick 50)
  --interval MS     spacing of the probes (default 20)
  --timeout SEC     bound on one transfer (default max(60, bytes / 1 MiB/s))
  --quick           short run: the --quick defaults above
  --memory          memory report of our client and server instead of the throughput table
  --latency         request/response times idle and under load, each peer in its own process,
                    after a warm-up (the first round trips of fresh processes reported as cold),
                    instead of the throughput table
  --load SEC        latency mode: how long each bulk stream runs (default 5; --quick 2)
  --load-streams N  latency mode: bulk streams at once, each its own connection (default 1)
  --load-rate N     latency mode: bytes per second of the bulk streams together, K/M suffixes, paced at
                    their sources (default 0: as fast as the tunnel carries them)
  --duration SEC    memory mode: length of the long transfer (default 300; --quick 30); soak mode:
                    how long the paced transfer is held (default 1800; --quick 60)
  --soak            memory over a long paced transfer (uploads and downloads of --bytes, default 20M,
                    in turn, each sha256-checked) instead of the throughput table: RSS, V8 heap and C
                    heap (glibc's mallinfo2: in use, free) of our client and server every
                    --sample-every, and their growth
  --rate N          soak mode: bytes per second, K/M/G suffixes (default 2M)
  --sample-every S  soak mode: seconds between memory samples (default 60; --quick 10)
  --streams N       memory mode: streams held open at once (default 1000; --quick 200)
  --sessions N      sessions mode: the client opens N sessions (-conn N), each echoing 64 KiB at once;
                    then --bulk-sessions uploads of --bytes (default 20M) at once; server RSS, time, CPU
  --bulk-sessions N sessions mode: bulk uploads at once, one per session (default 8)
  --warm-echoes N   sessions mode: after the first echo step, N more through the same processes and
                    sessions, each reported on its own (warm: V8 has optimized the packet path; default 0)
  --fresh-client    sessions mode: the first warm echo through a new client process (new sessions, warm
                    server), the later ones through its sessions again
  --out FILE        report path (default docs/bench-tunnel[-memory|-latency|-sessions|-soak]-<date>.md)`;

export function parseSize(text: string, flag = '--bytes'): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text);
  if (!m) throw new Error(`${flag}: not a size: ${text}`);
  const value = Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
  if (value <= 0) throw new Error(`${flag}: must be positive: ${text}`);
  return value;
}

function positiveInt(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag}: not a positive integer: ${text}`);
  return n;
}

function nonNegativeInt(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: not a non-negative integer: ${text}`);
  return n;
}

function list(text: string | undefined, flag: string): string[] {
  if (!text) throw new Error(`${flag}: missing value`);
  return text === 'all' ? [] : text.split(',').filter((s) => s.length > 0);
}

/** Parse argv (without node and script); an empty settings or pairs list means "all". */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const memory = argv.includes('--memory');
  const latency = argv.includes('--latency');
  const sessionsMode = argv.includes('--sessions');
  const soak = argv.includes('--soak');
  if ([memory, latency, sessionsMode, soak].filter((m) => m).length > 1)
    throw new Error('--memory, --latency, --sessions and --soak: one mode at a time');
  const opts: BenchOptions = {
    bytes: quick || sessionsMode || soak ? QUICK.bytes : 100 * MIB,
    warmupBytes: 0,
    rounds: quick || sessionsMode ? QUICK.rounds : 2,
    settings: memory || sessionsMode || soak ? ['defaults'] : [],
    pairs: memory || soak ? ['ts-ts'] : sessionsMode ? ['ts-ts', 'go-go'] : [],
    probes: quick ? QUICK.probes : 200,
    probeIntervalMs: 20,
    timeoutMs: 0,
    memory,
    latency,
    loadSec: quick ? QUICK.loadSec : 5,
    loadStreams: 1,
    loadRate: 0,
    durationSec: soak ? (quick ? SOAK.quickDurationSec : SOAK.durationSec) : quick ? QUICK.durationSec : 300,
    soak,
    rate: SOAK.rate,
    sampleEverySec: quick ? SOAK.quickSampleEverySec : SOAK.sampleEverySec,
    streams: quick ? QUICK.streams : 1000,
    sessions: 0,
    bulkSessions: 8,
    warmEchoes: 0,
    freshClient: false,
    out: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag}: missing value`);
      return v;
    };
    switch (flag) {
      case '--quick':
      case '--memory':
      case '--latency':
      case '--soak':
        break;
      case '--rate':
        opts.rate = parseSize(value(), flag);
        break;
      case '--sample-every':
        opts.sampleEverySec = positiveInt(flag, value());
        break;
      case '--load':
        opts.loadSec = positiveInt(flag, value());
        break;
      case '--load-streams':
        opts.loadStreams = positiveInt(flag, value());
        break;
      case '--load-rate':
        opts.loadRate = parseSize(value(), flag);
        break;
      case '--bytes':
        opts.bytes = parseSize(value());
        break;
      case '--warmup':
        opts.warmupBytes = parseSize(value(), flag);
        break;
      case '--rounds':
        opts.rounds = positiveInt(flag, value());
        break;
      case '--settings':
        opts.settings = list(value(), flag);
        break;
      case '--pairs':
        opts.pairs = list(value(), flag);
        break;
      case '--probes':
        opts.probes = positiveInt(flag, value());
        break;
      case '--interval':
        opts.probeIntervalMs = positiveInt(flag, value());
        break;
      case '--timeout':
        opts.timeoutMs = positiveInt(flag, value()) * 1000;
        break;
      case '--duration':
        opts.durationSec = positiveInt(flag, value());
        break;
      case '--streams':
        opts.streams = positiveInt(flag, value());
        break;
      case '--sessions':
        opts.sessions = positiveInt(flag, value());
        break;
      case '--bulk-sessions':
        opts.bulkSessions = positiveInt(flag, value());
        break;
      case '--warm-echoes':
        opts.warmEchoes = nonNegativeInt(flag, value());
        break;
      case '--fresh-client':
        opts.freshClient = true;
        break;
      case '--out':
        opts.out = value();
        break;
      default:
        throw new Error(`unknown option: ${flag}\n${USAGE}`);
    }
  }
  // The warm-up downloads a prefix of the target's payload, which is --bytes long.
  opts.warmupBytes = Math.min(opts.warmupBytes, opts.bytes);
  if (opts.timeoutMs === 0) {
    const slowest = soak
      ? Math.min(SLOWEST_EXPECTED_BYTES_PER_SEC, opts.rate / PACED_TIMEOUT_FACTOR)
      : SLOWEST_EXPECTED_BYTES_PER_SEC;
    opts.timeoutMs = Math.max(MIN_TIMEOUT_MS, (opts.bytes / slowest) * 1000);
  }
  return opts;
}
