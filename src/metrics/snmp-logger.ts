/**
 * kcptun's `-snmplog` / `-snmpperiod` (docs/protocol.md §8.3, latest kcptun `std/snmp.go`): every period, append one CSV
 * row of the counters to a file whose name part is a Go time layout, formatted with the local clock at each
 * write (so `snmp-20060102.log` rotates daily). A new (empty) file first gets the header row. A failed write
 * is logged and the next period tries again, as the latest kcptun does (20210922 gave up instead).
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { formatCsvRecord } from './go-csv.js';
import { formatGoTime } from './go-time.js';
import type { Snmp } from './snmp.js';
import { snmpHeader, snmpRow } from './snmp-format.js';

const SNMP_FILE_MODE = 0o666;
const MS_PER_SECOND = 1000;

/** Go's filepath.Split: everything up to and including the last separator, and the rest. */
function splitPath(path: string): [dir: string, file: string] {
  let cut = path.lastIndexOf('/');
  if (process.platform === 'win32') cut = Math.max(cut, path.lastIndexOf('\\'));
  return [path.slice(0, cut + 1), path.slice(cut + 1)];
}

/** The file a record taken at `date` goes to: only the file-name part is a time layout. */
export function snmpLogFileName(path: string, date: Date): string {
  const [dir, file] = splitPath(path);
  return dir + formatGoTime(file, date);
}

/** Append one record (and the header row first when the file is empty); throws on I/O errors. */
export function writeSnmpRecord(path: string, snmp: Snmp, date: Date): void {
  const fd = openSync(snmpLogFileName(path, date), 'a', SNMP_FILE_MODE);
  try {
    let text = '';
    if (fstatSync(fd).size === 0) text += formatCsvRecord(['Unix', ...snmpHeader()]);
    text += formatCsvRecord([Math.floor(date.getTime() / MS_PER_SECOND).toString(), ...snmpRow(snmp)]);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export class SnmpLogger {
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param path -snmplog; '' disables the logger.
   * @param periodSeconds -snmpperiod; <= 0 disables the logger. Fractions are accepted (tests use them).
   * @param log receives one line per failed write, prefixed `snmp logger:` like kcptun's.
   */
  constructor(
    private readonly path: string,
    private readonly periodSeconds: number,
    private readonly snmp: Snmp,
    private readonly log: (message: string) => void,
  ) {}

  get enabled(): boolean {
    return this.path !== '' && this.periodSeconds > 0;
  }

  /** Begin the periodic writes; the first one comes after one period, like Go's ticker. */
  start(): void {
    if (!this.enabled || this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.periodSeconds * MS_PER_SECOND);
    // The logger alone must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    try {
      writeSnmpRecord(this.path, this.snmp, new Date());
    } catch (err) {
      this.log(`snmp logger: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
