import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUR_CLIENT = path.join(distRoot, 'src', 'cli', 'client-main.js');
export const OUR_SERVER = path.join(distRoot, 'src', 'cli', 'server-main.js');

/** True when the Debian Go binaries are installed (CI installs them; see .ci/run). */
export function goKcptunAvailable(): boolean {
  const r = spawnSync('kcptun-server', ['-v'], { encoding: 'utf8' });
  return r.status === 0;
}

export type Impl = 'ts' | 'go';

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

  /** `env` is added to this process's environment for the child (e.g. KCPTUN_NO_MMSG). */
  static start(
    impl: Impl,
    role: 'client' | 'server',
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): TunnelProcess {
    const options = {
      stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[],
      env: { ...process.env, ...env },
    };
    const child =
      impl === 'go'
        ? spawn(`kcptun-${role}`, args, options)
        : spawn(
            process.execPath,
            [...nodeArgs(), role === 'client' ? OUR_CLIENT : OUR_SERVER, ...args],
            options,
          );
    return new TunnelProcess(child, `${impl}-${role}`);
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

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await done;
    clearTimeout(timer);
  }
}
