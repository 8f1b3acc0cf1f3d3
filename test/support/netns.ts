import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FORWARD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'forward.js');

/** Whether this process may create network namespaces (root); tests that need them skip otherwise. */
export function canCreateNetns(): boolean {
  return process.getuid?.() === 0 && process.platform === 'linux';
}

/**
 * Two network namespaces joined by a veth pair, `a` at 10.77.0.1 and `b` at 10.77.0.2, both with
 * loopback up: nothing touches the host's network. Names carry the test's pid, so parallel runs and
 * leftovers of a killed run never collide.
 */
export class NetnsPair {
  readonly a: string;
  readonly b: string;
  readonly ipA = '10.77.0.1';
  readonly ipB = '10.77.0.2';
  /** The veth pair's ends: vethA lives in `a`, vethB in `b`. */
  readonly vethA: string;
  readonly vethB: string;
  private readonly children: ChildProcess[] = [];

  constructor(tag: string) {
    this.a = `kcpt-${process.pid}-${tag}a`;
    this.b = `kcpt-${process.pid}-${tag}b`;
    const vethA = `kt${process.pid}${tag}a`.slice(0, 15);
    const vethB = `kt${process.pid}${tag}b`.slice(0, 15);
    this.vethA = vethA;
    this.vethB = vethB;
    ip('netns', 'add', this.a);
    ip('netns', 'add', this.b);
    try {
      ip('link', 'add', vethA, 'netns', this.a, 'type', 'veth', 'peer', 'name', vethB, 'netns', this.b);
      ip('-n', this.a, 'addr', 'add', `${this.ipA}/24`, 'dev', vethA);
      ip('-n', this.b, 'addr', 'add', `${this.ipB}/24`, 'dev', vethB);
      for (const [ns, dev] of [
        [this.a, vethA],
        [this.b, vethB],
      ] as const) {
        ip('-n', ns, 'link', 'set', dev, 'up');
        ip('-n', ns, 'link', 'set', 'lo', 'up');
      }
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** Run a command inside a namespace and return its stdout. */
  exec(ns: string, command: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, ...command], { encoding: 'utf8' });
  }

  /** The OUTPUT chain of a namespace's filter table, as `iptables -S` lines. */
  outputRules(ns: string): string[] {
    return this.exec(ns, ['iptables', '-w', '-S', 'OUTPUT'])
      .split('\n')
      .filter((l) => l.startsWith('-A'));
  }

  /** A forwarder (test/support/forward.ts) inside a namespace; resolves once it listens. */
  forward(ns: string, from: string, to: string): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, FORWARD, from, to], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('forwarding')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`forwarder in ${ns} exited with ${code}`)));
    });
  }

  destroy(): void {
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of [this.a, this.b]) {
      try {
        ip('netns', 'del', ns); // the veth pair goes with it
      } catch {
        // not created
      }
    }
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
