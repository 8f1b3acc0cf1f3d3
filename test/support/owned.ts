/**
 * Child processes that die with the process that started them: every process a test or a benchmark starts
 * goes through here (docs/test-hygiene-2026-12-06.md).
 *
 * Why: a test file or benchmark killed midway (a CI timeout, ^C, SIGTERM, SIGKILL of `node --test`) left
 * its tunnel processes, Go binaries, dnsmasq, forwarders and echo targets running, holding their ports and
 * namespaces, for the next run on the same machine to trip over. An 'exit' handler cannot cover SIGKILL, nor
 * a default-action SIGTERM, so the kernel does it: an owned child is started through util-linux's `setpriv
 * --pdeathsig KILL`, which sets the parent-death signal (prctl PR_SET_PDEATHSIG) and execs the command in
 * the same process, so the child's pid is the command's and signals sent to it reach the command. The kernel
 * sends SIGKILL when the *thread* that spawned the child ends: node spawns on the calling thread, and the
 * main thread ends with the process (from a worker thread the child died as soon as the worker ended, so
 * ownedArgv refuses to run there). The setting survives exec (not of a set-user-ID binary or one with file
 * capabilities, none of which the tests run), `ip netns exec` (which execs in place) and Go binaries alike.
 *
 * Under `node --test` each test file is itself a child of the runner, and the runner's death left it
 * running (SIGKILL) or, killing the file, left the file's children (SIGTERM, SIGINT): a test file that
 * imports this module takes the same signal from the runner's death (NODE_TEST_CONTEXT says the runner
 * started it). A benchmark does not: a user may start it in the background of a shell that ends.
 *
 * Where setpriv is missing (not Linux), children are started as they are, and the ones still running when
 * this process exits normally or through process.exit are killed by an 'exit' handler.
 */
import {
  type ChildProcess,
  type SpawnOptions,
  type SpawnSyncOptions,
  type SpawnSyncOptionsWithStringEncoding,
  type SpawnSyncReturns,
  spawn,
  spawnSync,
} from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { libc } from '../../src/transport/libc.js';

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/** setpriv's path, looked up once on this process's PATH (a child may be given a PATH without it); null: none. */
let setprivPath: string | null | undefined;

function setpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux') return null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, 'setpriv');
    try {
      accessSync(file, constants.X_OK);
    } catch {
      continue;
    }
    setprivPath = file;
    break;
  }
  return setprivPath;
}

/** `argv` as an owned child's command line: the kernel kills it when this process ends. */
export function ownedArgv(argv: readonly string[]): string[] {
  if (!isMainThread)
    throw new Error(`owned children start on the main thread only: ${argv[0]} would die with this worker`);
  const file = setpriv();
  return file === null ? [...argv] : [file, '--pdeathsig', 'KILL', '--', ...argv];
}

/** Owned children not yet seen exit, for the 'exit' handler where setpriv is missing. */
const live = new Set<ChildProcess>();
let exitHandlerInstalled = false;

function killLive(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** spawn(file, args, options) as an owned child. */
export function spawnOwned(file: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const [command, ...rest] = ownedArgv([file, ...args]);
  const child = spawn(command!, rest, options);
  if (setpriv() === null) {
    if (!exitHandlerInstalled) process.once('exit', killLive);
    exitHandlerInstalled = true;
    live.add(child);
    child.once('exit', () => live.delete(child));
  }
  return child;
}

/** spawnSync(file, args, options) as an owned child: a test killed while it waits takes the child along. */
export function spawnOwnedSync(
  file: string,
  args: readonly string[],
  options: SpawnSyncOptionsWithStringEncoding,
): SpawnSyncReturns<string>;
export function spawnOwnedSync(
  file: string,
  args: readonly string[],
  options?: SpawnSyncOptions,
): SpawnSyncReturns<Buffer>;
export function spawnOwnedSync(
  file: string,
  args: readonly string[],
  options: SpawnSyncOptions = {},
): SpawnSyncReturns<string | Buffer> {
  const [command, ...rest] = ownedArgv([file, ...args]);
  return spawnSync(command!, rest, options);
}

/**
 * Under `node --test`: SIGKILL this test file's process when the runner that started it ends, which then
 * takes this file's owned children along.
 */
function dieWithTestRunner(): void {
  if (process.env.NODE_TEST_CONTEXT === undefined || process.platform !== 'linux') return;
  const sys = libc();
  if (typeof sys === 'string') return;
  const prctl = sys.koffi
    .load(null)
    .func(
      'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)',
    );
  const runner = process.ppid;
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  // the runner ended before the signal was set: nothing will send it
  if (process.ppid !== runner) process.kill(process.pid, 'SIGKILL');
}

dieWithTestRunner();
