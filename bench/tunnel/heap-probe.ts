/**
 * Preloaded into our tunnel processes by the soak benchmark (NODE_OPTIONS=--import=<this file>): prints the
 * process's V8 heap and buffer memory, and glibc's own account of the C heap (mallinfo2), to stderr every
 * KCPTUN_BENCH_HEAP_MS milliseconds, one line each, so the benchmark can read a child's heap without an
 * inspector. Never imported by the program itself.
 */
import { libc } from '../../src/transport/libc.js';

export const HEAP_LINE_PREFIX = 'kcptun-bench-heap ';
export const HEAP_PERIOD_ENV = 'KCPTUN_BENCH_HEAP_MS';

/**
 * glibc's malloc over all its arenas, in bytes (mallinfo2(3)): whether a growing C heap is blocks in use (a
 * leak grows `inUse`) or free space glibc keeps between live blocks (fragmentation grows `free`).
 */
export interface MallocFigures {
  /** Bytes obtained from the kernel by brk/mmap for the arenas (`arena`). */
  arena: number;
  /** Bytes in blocks handed out from the arenas (`uordblks`). */
  inUse: number;
  /** Bytes in free blocks of the arenas (`fordblks`), resident or not (malloc_trim releases their pages). */
  free: number;
  /** Free blocks in the arenas (`ordblks`): many small ones is fragmentation. */
  freeBlocks: number;
  /** Bytes in blocks large enough that glibc mmapped each on its own (`hblkhd`); in use, never free. */
  mmapped: number;
}

/** Bytes of the C heap handed out by malloc: blocks from the arenas, and those mmapped one by one. */
export function cHeapInUse(m: MallocFigures): number {
  return m.inUse + m.mmapped;
}

/** What one heap line holds, in bytes (process.memoryUsage() without rss, which /proc gives). */
export interface HeapFigures {
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Absent where mallinfo2 cannot be had (no koffi, not glibc or glibc before 2.33). */
  malloc?: MallocFigures;
}

/** The figures of the last heap line in a process's log, or null when it printed none yet. */
export function lastHeapFigures(log: string): HeapFigures | null {
  const at = log.lastIndexOf(HEAP_LINE_PREFIX);
  if (at < 0) return null;
  const end = log.indexOf('\n', at);
  if (end < 0) return null;
  return JSON.parse(log.slice(at + HEAP_LINE_PREFIX.length, end)) as HeapFigures;
}

/** struct mallinfo2 of glibc 2.33 and later: ten size_t fields, in this order. */
const MALLINFO2_FIELDS = [
  'arena',
  'ordblks',
  'smblks',
  'hblks',
  'hblkhd',
  'usmblks',
  'fsmblks',
  'uordblks',
  'fordblks',
  'keepcost',
] as const;
type Mallinfo2 = Record<(typeof MALLINFO2_FIELDS)[number], number>;

/** koffi's struct declaration, which the transport's typing of koffi leaves out. */
interface KoffiStructs {
  struct(name: string, fields: Record<string, string>): unknown;
}

/** glibc's mallinfo2 bound through koffi, or null where it cannot be. */
function bindMallinfo2(): (() => MallocFigures) | null {
  if (process.platform !== 'linux') return null;
  const sys = libc();
  if (typeof sys === 'string') return null;
  let call: () => Mallinfo2;
  try {
    (sys.koffi as unknown as KoffiStructs).struct(
      'mallinfo2',
      Object.fromEntries(MALLINFO2_FIELDS.map((f) => [f, 'size_t'])),
    );
    call = sys.koffi.load(null).func('mallinfo2 mallinfo2()') as unknown as () => Mallinfo2;
  } catch {
    return null;
  }
  return () => {
    const m = call();
    return {
      arena: Number(m.arena),
      inUse: Number(m.uordblks),
      free: Number(m.fordblks),
      freeBlocks: Number(m.ordblks),
      mmapped: Number(m.hblkhd),
    };
  };
}

const periodMs = Number(process.env[HEAP_PERIOD_ENV]);
if (periodMs > 0) {
  const mallinfo2 = bindMallinfo2();
  const report = (): void => {
    const { heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const figures: HeapFigures = { heapTotal, heapUsed, external, arrayBuffers };
    if (mallinfo2 !== null) figures.malloc = mallinfo2();
    process.stderr.write(`${HEAP_LINE_PREFIX}${JSON.stringify(figures)}\n`);
  };
  // Unreferenced: the probe must not keep a stopping tunnel alive.
  setInterval(report, periodMs).unref();
}
