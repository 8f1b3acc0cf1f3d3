import { readFileSync } from 'node:fs';
import type { Pair } from './settings.js';

/**
 * How often the placement is sampled: often enough for a few dozen samples in a 1 s transfer, rarely
 * enough that reading two /proc files costs the benchmark's own process nothing it could notice.
 */
const SAMPLE_MS = 50;

/**
 * The CPU a process's main thread last ran on: field 39 (`processor`) of /proc/<pid>/stat; -1 where it
 * cannot be read (the process has exited). `stat` is the file's text, for tests.
 */
export function lastCpu(pid: number, stat?: string): number {
  let text = stat;
  if (text === undefined) {
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return -1;
    }
  }
  // The command name (field 2) may hold spaces and parentheses, so count fields after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const cpu = Number(fields[39 - 3]);
  return Number.isInteger(cpu) ? cpu : -1;
}

/**
 * Whether a pair's placement is worth sampling: both ends ours, one event-loop thread each. A Go end
 * spreads its work over threads, so its main thread's CPU says nothing; an end with -workers neither.
 */
export function placementSampled(pair: Pair): boolean {
  return (
    pair.client === 'ts' &&
    pair.server === 'ts' &&
    pair.serverWorkers === undefined &&
    pair.clientWorkers === undefined
  );
}

/**
 * The share of a transfer for which our client's and our server's event loops sat on one CPU. On the
 * 2-core benchmark machine the kernel places them so for whole transfers at a time, and a loopback
 * transfer of ours then runs at about half the rate of one where they sit on different CPUs, in either
 * mode (docs/bench-tunnel-auto-loopback-2026-12-05.md). A loopback figure without this share mixes the
 * two.
 */
export class SameCpuShare {
  private same = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: readonly [number, number]) {
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  /** One sample (the timer calls it every SAMPLE_MS). */
  sample(): void {
    const a = lastCpu(this.pids[0]);
    const b = lastCpu(this.pids[1]);
    if (a < 0 || b < 0) return;
    this.samples++;
    if (a === b) this.same++;
  }

  /** Stops sampling (again: no effect); the share of samples (0..1) with both on one CPU, NaN without any. */
  stop(): number {
    clearInterval(this.timer);
    return this.samples === 0 ? Number.NaN : this.same / this.samples;
  }
}
