/**
 * Preloaded into our tunnel processes by the soak benchmark (NODE_OPTIONS=--import=<this file>): prints the
 * process's V8 heap and buffer memory to stderr every KCPTUN_BENCH_HEAP_MS milliseconds, one line each, so the
 * benchmark can read a child's heap without an inspector. Never imported by the program itself.
 */
export const HEAP_LINE_PREFIX = 'kcptun-bench-heap ';
export const HEAP_PERIOD_ENV = 'KCPTUN_BENCH_HEAP_MS';

/** What one heap line holds, in bytes (process.memoryUsage() without rss, which /proc gives). */
export interface HeapFigures {
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** The figures of the last heap line in a process's log, or null when it printed none yet. */
export function lastHeapFigures(log: string): HeapFigures | null {
  const at = log.lastIndexOf(HEAP_LINE_PREFIX);
  if (at < 0) return null;
  const end = log.indexOf('\n', at);
  if (end < 0) return null;
  return JSON.parse(log.slice(at + HEAP_LINE_PREFIX.length, end)) as HeapFigures;
}

const periodMs = Number(process.env[HEAP_PERIOD_ENV]);
if (periodMs > 0) {
  const report = (): void => {
    const { heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const figures: HeapFigures = { heapTotal, heapUsed, external, arrayBuffers };
    process.stderr.write(`${HEAP_LINE_PREFIX}${JSON.stringify(figures)}\n`);
  };
  // Unreferenced: the probe must not keep a stopping tunnel alive.
  setInterval(report, periodMs).unref();
}
