/**
 * Go `log`-style output: `YYYY/MM/DD HH:MM:SS message` in local time (local-time.ts), one line per call, to stderr
 * or appended to the -log file (created with mode 0666 before umask, as kcptun opens it). The lines of
 * up to LOG_BATCH_MS go out in one synchronous write (see LineBatch), and pending lines are written on
 * close() and when the process exits, a fatal exception included, so like Go's logger's they survive a
 * fatal exit; logging is per event, never per packet. Honouring -quiet is the caller's job.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { CliError } from './errors.js';
import { localFields } from './local-time.js';

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
  /** Runs `flush` once, later: after LOG_BATCH_MS by default (an unreferenced timer); tests pass their own. */
  readonly defer?: (flush: () => void) => void;
}

/**
 * How long logged lines wait to be written together. A server accepting 1000 connections at once logs
 * 3000 lines (the session, stream opened, stream closed); written per event-loop tick they were still
 * 2205 write system calls and 170 of about 2900 samples of its CPU profile, in both the client and the
 * server (docs/bench-tunnel-sessions-2026-12-03.md). Go writes them one by one too, from all its cores.
 * A person reading the log does not see 50 ms; close() and the process's exit write what is pending.
 */
const LOG_BATCH_MS = 50;
/** Pending text past which the batch is written at once: a log storm's memory stays bounded. */
const LOG_BATCH_BYTES = 64 * 1024;

function deferByTimer(flush: () => void): void {
  setTimeout(flush, LOG_BATCH_MS).unref();
}

const LOG_FILE_MODE = 0o666;

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/**
 * The last stamp made and the second (of the epoch) it is for. Local time changes only at whole seconds
 * (time zone offsets and their changes are whole minutes), so lines within one second share a stamp: a
 * server accepting 1000 connections logs 3000 lines in a few seconds, and the six local-time getters per
 * line were 19 samples of its profile (docs/bench-tunnel-sessions-2026-12-06-3.md).
 */
let stampSecond = Number.NaN;
let stamp = '';

function localStamp(date: Date): string {
  const ms = date.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    const t = localFields(ms);
    stamp =
      `${t.year.toString().padStart(4, '0')}/${pad2(t.month)}/${pad2(t.day)} ` +
      `${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}`;
  }
  return stamp;
}

/** One log line, newline included (Go adds it unless the message already ends with one). */
export function formatLogLine(date: Date, message: string): string {
  return `${localStamp(date)} ${message}${message.endsWith('\n') ? '' : '\n'}`;
}

/** Collects the lines logged within LOG_BATCH_MS (or LOG_BATCH_BYTES of them) and writes them in one call. */
class LineBatch {
  private pending = '';

  constructor(
    private readonly write: (text: string) => void,
    private readonly defer: (flush: () => void) => void,
  ) {}

  add(line: string): void {
    if (this.pending === '') this.defer(this.flush);
    this.pending += line;
    if (this.pending.length >= LOG_BATCH_BYTES) this.flush();
  }

  readonly flush = (): void => {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.write(text);
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const clock = options.clock ?? (() => new Date());
  const defer = options.defer ?? deferByTimer;
  if (options.file === undefined || options.file === '') {
    const out = options.stderr ?? process.stderr;
    return batchedLogger(
      clock,
      defer,
      (text) => out.write(text),
      () => {},
    );
  }
  const path = options.file;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a', LOG_FILE_MODE);
  } catch (err) {
    throw new CliError(`-log: cannot open ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return batchedLogger(
    clock,
    defer,
    (text) => {
      if (fd !== undefined) writeSync(fd, text);
    },
    () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  );
}

/** A Logger over a LineBatch; lines logged after close() are dropped. */
function batchedLogger(
  clock: () => Date,
  defer: (flush: () => void) => void,
  write: (text: string) => void,
  release: () => void,
): Logger {
  const batch = new LineBatch(write, defer);
  let open = true;
  process.on('exit', batch.flush);
  return {
    info: (message) => {
      if (open) batch.add(formatLogLine(clock(), message));
    },
    close: () => {
      if (!open) return;
      open = false;
      process.off('exit', batch.flush);
      batch.flush();
      release();
    },
  };
}
