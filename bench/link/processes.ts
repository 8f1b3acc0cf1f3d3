/** Child processes started inside a namespace, each tracked by PID and stopped by PID. */
import type { ChildProcess } from 'node:child_process';
import { spawnOwned } from '../../test/support/owned.js';
import { terminatePids } from './emulator.js';
import { sleep } from './shell.js';

/** Keep only the tail of a chatty log (kcptun logs every stream). */
const LOG_LIMIT = 64 * 1024;

export class NamespacedProcess {
  log = '';
  stdout = '';
  exitCode: number | null = null;
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.append(d);
    });
    child.stderr?.on('data', (d: Buffer) => this.append(d));
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code) => {
        this.exited = true;
        this.exitCode = code;
        resolve();
      });
      child.on('error', (err) => {
        this.append(Buffer.from(String(err)));
        this.exited = true;
        resolve();
      });
    });
  }

  /**
   * `ip netns exec` replaces itself with the command, so the child's PID is the command's own; it dies with
   * this process (owned.ts).
   */
  static start(namespace: string, label: string, cmd: string, args: readonly string[]): NamespacedProcess {
    const child = spawnOwned('ip', ['netns', 'exec', namespace, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NamespacedProcess(child, label);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exited;
  }

  async waitFor(text: string, timeoutMs: number): Promise<void> {
    const started = Date.now();
    while (!this.log.includes(text)) {
      if (this.exited) throw new Error(`${this.label} exited early: ${this.log.trim()}`);
      if (Date.now() - started > timeoutMs)
        throw new Error(`${this.label}: no '${text}' in ${timeoutMs} ms: ${this.log}`);
      await sleep(20);
    }
  }

  /** Resolve when the process exits; after `timeoutMs` it is stopped and the promise rejects. */
  async waitExit(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.exitPromise, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      await this.stop();
      throw new Error(`${this.label} did not finish within ${timeoutMs} ms: ${this.log.slice(-2000)}`);
    }
  }

  async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    await terminatePids([this.child.pid]);
    await this.exitPromise;
  }

  private append(d: Buffer): void {
    this.log += d.toString();
    if (this.log.length > LOG_LIMIT) this.log = this.log.slice(-LOG_LIMIT);
  }
}

/** Every process a benchmark started, so a failure anywhere can still stop them all. */
export class ProcessSet {
  private readonly running = new Set<NamespacedProcess>();

  start(namespace: string, label: string, cmd: string, args: readonly string[]): NamespacedProcess {
    const p = NamespacedProcess.start(namespace, label, cmd, args);
    this.running.add(p);
    return p;
  }

  async stop(p: NamespacedProcess): Promise<void> {
    await p.stop();
    this.running.delete(p);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((p) => p.stop()));
    this.running.clear();
  }
}
