import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on. */
export const CLOCK_TICKS_PER_SEC = readClockTicks();

function readClockTicks(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return r.status === 0 && n > 0 ? n : 100;
}

/** utime + stime of a live process, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses, so count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of proc(5), counted here from field 3 (state).
  return Number(fields[14 - 3]) + Number(fields[15 - 3]);
}

/**
 * Datagrams the kernel dropped because a UDP socket's receive buffer was full (/proc/net/snmp, Udp
 * RcvbufErrors), counted over every socket of this network namespace since boot; NaN where the file or the
 * field is missing. `snmp` is the file's text, for tests. With 1000 sessions from Go's client the drops at our
 * listening socket were the whole of this count (docs/bench-tunnel-sessions-2026-12-05-2.md), and they decide
 * how much the client retransmits (docs/bench-tunnel-sessions-2026-12-05-3.md).
 */
export function udpReceiveBufferDrops(snmp?: string): number {
  let text = snmp;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/net/snmp', 'utf8');
    } catch {
      return Number.NaN;
    }
  }
  // Two lines per protocol: the field names, then the values.
  const udp = text.split('\n').filter((line) => line.startsWith('Udp: '));
  if (udp.length < 2) return Number.NaN;
  const at = udp[0].split(/\s+/).indexOf('RcvbufErrors');
  const value = at < 0 ? undefined : udp[1].split(/\s+/)[at];
  return value === undefined || value === '' ? Number.NaN : Number(value);
}

export interface Memory {
  /** Resident set now, KiB. */
  rssKiB: number;
  /** Peak resident set over the process's whole life, KiB. */
  hwmKiB: number;
  /** The anonymous part of the resident set (heap, stacks, buffers: not pages of files), KiB. */
  anonKiB: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rssKiB: statusKiB(status, 'VmRSS'),
    hwmKiB: statusKiB(status, 'VmHWM'),
    anonKiB: statusKiB(status, 'RssAnon'),
  };
}

function statusKiB(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!m) throw new Error(`/proc status has no ${key}`);
  return Number(m[1]);
}

/** CPU time used by a set of processes between `start` and the moment of the call. */
export class CpuMeter {
  private readonly startTicks: number[];

  constructor(private readonly pids: readonly number[]) {
    this.startTicks = pids.map(cpuTicks);
  }

  /** Seconds of CPU per process since construction, in the order of `pids`. */
  secondsSoFar(): number[] {
    return this.pids.map((pid, i) => (cpuTicks(pid) - this.startTicks[i]) / CLOCK_TICKS_PER_SEC);
  }
}

/**
 * Seconds the threads of a live process have spent runnable but waiting for a CPU (the second field of
 * each /proc/<pid>/task/<tid>/schedstat), summed over the threads alive now; NaN where the kernel does not
 * keep these statistics. Beside CPU time it tells a process starved of CPU by others from one with
 * nothing to do.
 */
export function runQueueWaitSec(pid: number): number {
  let ns = 0;
  let read = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      read++;
    } catch {
      // a thread that exited between the listing and the read, or no schedstat in this kernel
    }
  }
  return read === 0 ? Number.NaN : ns / 1e9;
}
