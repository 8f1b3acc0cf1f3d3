/**
 * The local date and time of day of an instant, for the log's stamps (log.ts), from the C library's
 * localtime_r where koffi binds it, else from Date's local getters.
 *
 * Why not Date alone: V8 takes local time from ICU, whose time-zone code and data are pages of the node
 * binary that nothing else in a tunnel touches. The first local getter brought 0.45 MiB of them into an
 * idle client and server (docs/bench-tunnel-memory-2026-12-07-mem36.md); localtime_r is glibc's, already
 * in memory. Both read the zone the same way (`TZ`, else /etc/localtime); glibc reads the system's zone
 * files, as Go's time package, hence Go kcptun's log, does, where ICU carries its own copy of the rules.
 */
import { libc } from '../transport/libc.js';

/** The fields of a log stamp; month 1-12, as written. */
export interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * struct tm as glibc and musl lay it out on 64-bit Linux: nine ints from tm_sec, then tm_gmtoff and tm_zone
 * (56 bytes); time_t is 64-bit. Where those do not hold (another OS, a 32-bit build), Date is used.
 */
const TM_BYTES = 56;
const TM_SEC = 0;
const TM_MIN = 4;
const TM_HOUR = 8;
const TM_MDAY = 12;
const TM_MON = 16;
const TM_YEAR = 20;
/** struct tm counts years from 1900. */
const TM_YEAR_BASE = 1900;

type LocaltimeR = (time: Buffer, result: Buffer) => unknown;

/** localtime_r bound through koffi, or null where the layout above is not known to hold or koffi is missing. */
function bindLocaltime(): LocaltimeR | null {
  if (process.platform !== 'linux' || !['x64', 'arm64', 'ppc64', 's390x', 'riscv64'].includes(process.arch)) {
    return null;
  }
  const sys = libc();
  if (typeof sys === 'string') return null;
  try {
    return sys.koffi.load(null).func('void *localtime_r(void *time, void *result)') as LocaltimeR;
  } catch {
    return null;
  }
}

let localtime: LocaltimeR | null | undefined;
const timeBuffer = Buffer.alloc(8);
const tmBuffer = Buffer.alloc(TM_BYTES);

/** Which source gives local time in this process: the C library's, or V8's (ICU). */
export function localTimeSource(): 'libc' | 'date' {
  if (localtime === undefined) localtime = bindLocaltime();
  return localtime === null ? 'date' : 'libc';
}

/** The local date and time of the second that holds `epochMs`. */
export function localFields(epochMs: number): LocalFields {
  if (localTimeSource() === 'libc') {
    timeBuffer.writeBigInt64LE(BigInt(Math.floor(epochMs / 1000)));
    if (localtime!(timeBuffer, tmBuffer) !== null) {
      return {
        year: tmBuffer.readInt32LE(TM_YEAR) + TM_YEAR_BASE,
        month: tmBuffer.readInt32LE(TM_MON) + 1,
        day: tmBuffer.readInt32LE(TM_MDAY),
        hour: tmBuffer.readInt32LE(TM_HOUR),
        minute: tmBuffer.readInt32LE(TM_MIN),
        second: tmBuffer.readInt32LE(TM_SEC),
      };
    }
  }
  return dateFields(new Date(epochMs));
}

/** The same from Date's local getters (V8's ICU time zone). */
export function dateFields(date: Date): LocalFields {
  return {
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    day: date.getDate(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
  };
}
