/**
 * Go `log`-style output: `YYYY/MM/DD HH:MM:SS message` in local time, one line per call, to stderr
 * or appended to the -log file (created with mode 0666 before umask, as kcptun opens it). Writes are
 * synchronous like Go's logger, so lines survive a fatal exit; logging is per event, never per packet.
 * Honouring -quiet is the caller's job.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { CliError } from './errors.js';

export interface Logger {
  info(message: string): void;
  close(): void;
}

export interface LoggerOptions {
  /** Append to this file instead of writing to stderr. */
  readonly file?: string;
  /** Time source; defaults to the wall clock. */
  readonly clock?: () => Date;
  /** Where lines go when no file is given; defaults to process.stderr. */
  readonly stderr?: { write(text: string): unknown };
}

const LOG_FILE_MODE = 0o666;

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** One log line, newline included (Go adds it unless the message already ends with one). */
export function formatLogLine(date: Date, message: string): string {
  const stamp =
    `${date.getFullYear().toString().padStart(4, '0')}/${pad2(date.getMonth() + 1)}/${pad2(date.getDate())} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return `${stamp} ${message}${message.endsWith('\n') ? '' : '\n'}`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const clock = options.clock ?? (() => new Date());
  if (options.file === undefined || options.file === '') {
    const out = options.stderr ?? process.stderr;
    return {
      info: (message) => {
        out.write(formatLogLine(clock(), message));
      },
      close: () => {},
    };
  }
  const path = options.file;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a', LOG_FILE_MODE);
  } catch (err) {
    throw new CliError(`-log: cannot open ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    info: (message) => {
      if (fd !== undefined) writeSync(fd, formatLogLine(clock(), message));
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
