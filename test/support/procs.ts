import { type ChildProcess, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnOwned } from './owned.js';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUR_CLIENT = path.join(distRoot, 'src', 'cli', 'client-main.js');
export const OUR_SERVER = path.join(distRoot, 'src', 'cli', 'server-main.js');

/**
 * Go kcptun's version line: `kcptun version SELFBUILD` (Debian's build) or a release date such as
 * 20210922. Ours prints the same words with a semver, so a kcptun-ts installed first on PATH is not taken
 * for the Go peer.
 */
const GO_VERSION_LINE = /^kcptun version (SELFBUILD|[0-9]{8})\s*$/;

/** Explicit paths of the Go binaries, when they are not (first) on PATH. */
const GO_PATH_ENV = { client: 'KCPTUN_GO_CLIENT', server: 'KCPTUN_GO_SERVER' } as const;

function isGoKcptun(file: string): boolean {
  const r = spawnSync(file, ['-v'], { encoding: 'utf8' });
  return r.status === 0 && GO_VERSION_LINE.test(r.stdout);
}

const goPaths = new Map<'client' | 'server', string | null>();

/**
 * The Go kcptun-client / kcptun-server: $KCPTUN_GO_CLIENT / $KCPTUN_GO_SERVER when set, else the first
 * `kcptun-<role>` on PATH whose version line is Go's. Null when there is none.
 */
export function goKcptunPath(role: 'client' | 'server'): string | null {
  const known = goPaths.get(role);
  if (known !== undefined) return known;
  let found: string | null = null;
  const explicit = process.env[GO_PATH_ENV[role]];
  if (explicit !== undefined && explicit !== '') {
    if (!isGoKcptun(explicit)) throw new Error(`${GO_PATH_ENV[role]}=${explicit} is not Go kcptun (its -v)`);
    found = explicit;
  } else {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (dir === '') continue;
      const file = path.join(dir, `kcptun-${role}`);
      try {
        accessSync(file, constants.X_OK);
      } catch {
        continue;
      }
      if (isGoKcptun(file)) {
        found = file;
        break;
      }
    }
  }
  goPaths.set(role, found);
  return found;
}

/** True when the Go binaries are installed (CI installs Debian's; see .ci/run). */
export function goKcptunAvailable(): boolean {
  return goKcptunPath('client') !== null && goKcptunPath('server') !== null;
}

export type Impl = 'ts' | 'go';

function goPathOf(role: 'client' | 'server'): string {
  const file = goKcptunPath(role);
  if (file === null) throw new Error(`Go kcptun-${role} not found (PATH, or ${GO_PATH_ENV[role]})`);
  return file;
}

/** Extra node flags for our processes, e.g. TUNNEL_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
function nodeArgs(): string[] {
  return (process.env.TUNNEL_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
}

/** A running kcptun process with its log kept for failure messages. */
export class TunnelProcess {
  log = '';
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.log += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.log += d.toString();
    });
    child.on('exit', () => {
      this.exited = true;
    });
  }

  /**
   * `env` is added to this process's environment for the child (e.g. KCPTUN_NO_MMSG); `where.netns` runs
   * it inside that network namespace (ip netns exec).
   */
  static start(
    impl: Impl,
    role: 'client' | 'server',
    args: string[],
    env: NodeJS.ProcessEnv = {},
    where: { netns?: string } = {},
  ): TunnelProcess {
    const options = {
      stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[],
      env: { ...process.env, ...env },
    };
    const command =
      impl === 'go'
        ? [goPathOf(role), ...args]
        : [process.execPath, ...nodeArgs(), role === 'client' ? OUR_CLIENT : OUR_SERVER, ...args];
    const argv = where.netns ? ['ip', 'netns', 'exec', where.netns, ...command] : command;
    const child = spawnOwned(argv[0]!, argv.slice(1), options);
    return new TunnelProcess(child, `${impl}-${role}`);
  }

  /** Any kcptun program by its path: an installed bin, the single-file executable. */
  static command(
    label: string,
    file: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): TunnelProcess {
    return new TunnelProcess(spawnOwned(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env }), label);
  }

  /** Resolve once the log shows `text` (kcptun logs 'listening on:' when it is ready). */
  async waitFor(text: string, timeoutMs = 10_000): Promise<void> {
    const start = Date.now();
    while (!this.log.includes(text)) {
      if (this.exited) throw new Error(`${this.label} exited early:\n${this.log}`);
      if (Date.now() - start > timeoutMs)
        throw new Error(`${this.label}: no '${text}' after ${timeoutMs} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** For a failed wait's message (deadline.ts within): each process's label and log, read when called. */
  static logsOf(...procs: TunnelProcess[]): () => string {
    return () => procs.map((p) => `${p.label}:\n${p.log}`).join('\n');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await done;
    clearTimeout(timer);
  }
}
