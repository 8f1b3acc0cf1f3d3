/**
 * The link emulator: two namespaces (A and B), each with a TUN device, joined by the C forwarder.
 * Everything it creates is recorded in a state directory (the forwarder's PID, its control socket),
 * so `teardown` can remove it later even from another process or after a crash.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { ownedArgv } from '../../test/support/owned.js';
import { controlRequest } from './control.js';
import { ensureForwarder, FORWARDER_NAME } from './forwarder-build.js';
import type { LinkSettings, LinkStatus } from './link-settings.js';
import { setCommand } from './link-settings.js';
import {
  ADDRESS_A,
  ADDRESS_B,
  configureTun,
  createNamespace,
  deleteNamespace,
  NAMESPACES,
  namespaceExists,
  namespacePath,
  namespacePids,
  TUN_NAME,
} from './netns.js';
import { sleep } from './shell.js';

export const DEFAULT_STATE_DIR = '/run/kcpbench';

/** Where an emulator lives: the state directory that records it, and its two namespaces (A, B). */
export interface EmulatorPlace {
  readonly stateDir: string;
  readonly namespaces: readonly [a: string, b: string];
}

/**
 * The benchmark's and emulator-cli's: kcpbench-a/-b, which every bench/link module names (NAMESPACE_A/B).
 * The emulator's test has a place of its own, so that it and a benchmark never tear down each other's.
 */
export const BENCH_PLACE: EmulatorPlace = { stateDir: DEFAULT_STATE_DIR, namespaces: NAMESPACES };

const READY_TIMEOUT_MS = 5000;
const TERM_GRACE_MS = 2000;

function pidFile(stateDir: string): string {
  return path.join(stateDir, 'forwarder.pid');
}

function controlPath(stateDir: string): string {
  return path.join(stateDir, 'control.sock');
}

export class LinkEmulator {
  private constructor(
    readonly place: EmulatorPlace,
    readonly forwarderPid: number,
  ) {}

  get stateDir(): string {
    return this.place.stateDir;
  }

  /**
   * Create both namespaces and start the forwarder; leftovers of an earlier run are removed first. The
   * forwarder dies with this process (test/support/owned.ts) unless `outliveThisProcess` (emulator-cli's
   * `up`, whose `down` stops it later).
   */
  static async up(
    place: EmulatorPlace = BENCH_PLACE,
    { outliveThisProcess = false }: { outliveThisProcess?: boolean } = {},
  ): Promise<LinkEmulator> {
    const { stateDir } = place;
    const [a, b] = place.namespaces;
    await teardown(place);
    const binary = ensureForwarder();
    mkdirSync(stateDir, { recursive: true });
    try {
      for (const ns of place.namespaces) createNamespace(ns);
      const log = openSync(logFile(stateDir), 'w');
      const argv = [binary, namespacePath(a), namespacePath(b), TUN_NAME, controlPath(stateDir)];
      const [command, ...args] = outliveThisProcess ? argv : ownedArgv(argv);
      const child = spawn(command!, args, { detached: true, stdio: ['ignore', log, log] });
      closeSync(log);
      if (child.pid === undefined) throw new Error(`could not start ${binary}`);
      writeFileSync(pidFile(stateDir), `${child.pid}\n`);
      // Its own exit, not /proc's command line: while setpriv execs the forwarder, that reads empty.
      let exited = false;
      child.once('exit', () => {
        exited = true;
      });
      child.unref();
      const emulator = new LinkEmulator(place, child.pid);
      await emulator.waitReady(() => exited);
      configureTun(a, ADDRESS_A);
      configureTun(b, ADDRESS_B);
      return emulator;
    } catch (err) {
      await teardown(place);
      throw err;
    }
  }

  /** The emulator that an earlier `up` left running. */
  static attach(place: EmulatorPlace = BENCH_PLACE): LinkEmulator {
    const pid = readForwarderPid(place.stateDir);
    if (pid === undefined || !isForwarder(pid))
      throw new Error(`no link emulator is running (state in ${place.stateDir})`);
    return new LinkEmulator(place, pid);
  }

  async configure(settings: LinkSettings): Promise<void> {
    await this.command(setCommand('a2b', settings.aToB, settings.seed));
    await this.command(setCommand('b2a', settings.bToA, settings.seed));
  }

  async status(): Promise<LinkStatus> {
    return JSON.parse(await controlRequest(controlPath(this.stateDir), 'status')) as LinkStatus;
  }

  async resetCounters(): Promise<void> {
    await this.command('reset');
  }

  down(): Promise<string[]> {
    return teardown(this.place);
  }

  private async command(line: string): Promise<void> {
    const answer = await controlRequest(controlPath(this.stateDir), line);
    if (answer !== 'ok') throw new Error(`forwarder refused '${line}': ${answer}`);
  }

  private async waitReady(exited: () => boolean): Promise<void> {
    const started = Date.now();
    for (;;) {
      if (exited()) {
        throw new Error(`forwarder exited: ${readLog(this.stateDir)}`);
      }
      if (existsSync(controlPath(this.stateDir))) {
        try {
          await this.status();
          return;
        } catch {
          // the socket exists a moment before the forwarder accepts on it
        }
      }
      if (Date.now() - started > READY_TIMEOUT_MS)
        throw new Error(`forwarder not ready: ${readLog(this.stateDir)}`);
      await sleep(20);
    }
  }
}

function logFile(stateDir: string): string {
  return path.join(stateDir, 'forwarder.log');
}

function readLog(stateDir: string): string {
  const file = logFile(stateDir);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : '(no log)';
}

function readForwarderPid(stateDir: string): number | undefined {
  const file = pidFile(stateDir);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True when `pid` is alive and is our forwarder (a recycled PID must never be signalled). */
function isForwarder(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(FORWARDER_NAME);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM each PID, then SIGKILL whatever is still there after the grace period. */
export async function terminatePids(pids: readonly number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + TERM_GRACE_MS;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(20);
  for (const pid of pids) {
    if (!isAlive(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Remove what `up` created: the processes left in our namespaces, the forwarder (by its recorded
 * PID, checked against /proc), the namespaces and the state files. Safe to call when nothing is up.
 * Returns what it did, for the CLI.
 */
export async function teardown(place: EmulatorPlace = BENCH_PLACE): Promise<string[]> {
  const { stateDir } = place;
  const done: string[] = [];
  for (const ns of place.namespaces) {
    if (!namespaceExists(ns)) continue;
    const pids = namespacePids(ns);
    if (pids.length > 0) {
      await terminatePids(pids);
      done.push(`stopped ${pids.length} process(es) in ${ns}: ${pids.join(' ')}`);
    }
  }
  const pid = readForwarderPid(stateDir);
  if (pid !== undefined && isForwarder(pid)) {
    await terminatePids([pid]);
    done.push(`stopped forwarder ${pid}`);
  }
  for (const ns of place.namespaces) {
    if (!namespaceExists(ns)) continue;
    deleteNamespace(ns);
    done.push(`deleted namespace ${ns}`);
  }
  rmSync(pidFile(stateDir), { force: true });
  rmSync(controlPath(stateDir), { force: true });
  rmSync(logFile(stateDir), { force: true });
  if (existsSync(stateDir) && readdirSync(stateDir).length === 0) rmdirSync(stateDir);
  return done;
}
