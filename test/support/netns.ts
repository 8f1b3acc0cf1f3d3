import { type ChildProcess, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive } from '../../src/transport/tcp-rule.js';
import { spawnOwned } from './owned.js';

const FORWARD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'forward.js');

/** Whether this process may create network namespaces (root); tests that need them skip otherwise. */
export function canCreateNetns(): boolean {
  return process.getuid?.() === 0 && process.platform === 'linux';
}

/** Every test namespace's name starts `kcpt-<pid of the process that made it>-`. */
const NAME_PREFIX = 'kcpt';
const OWNER = new RegExp(`^${NAME_PREFIX}-(\\d+)-`);

/** A name for one of this process's namespaces; `tag` tells this process's namespaces apart. */
export function namespaceName(tag: string): string {
  return `${NAME_PREFIX}-${process.pid}-${tag}`;
}

/** This process's namespaces that exist now. */
const made = new Set<string>();
let swept = false;

/**
 * Delete what killed runs left: test namespaces whose process is gone, and ones named for this pid that
 * this process did not make (an earlier process had the same pid). Their processes died with their test
 * (owned.ts); the veth ends go with the namespace. Once per process, before its first namespace.
 */
export function sweepStaleNamespaces(): void {
  if (swept) return;
  swept = true;
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!);
  for (const name of names) {
    const owner = OWNER.exec(name);
    if (owner === null) continue;
    const pid = Number(owner[1]);
    if ((pid === process.pid && !made.has(name)) || (pid !== process.pid && !processAlive(pid))) {
      try {
        ip('netns', 'del', name);
      } catch {
        // another run swept it first
      }
    }
  }
}

/** `ip netns add name`, after the sweep; the name is this process's until deleteNamespace. */
export function addNamespace(name: string): void {
  sweepStaleNamespaces();
  ip('netns', 'add', name);
  made.add(name);
}

export function deleteNamespace(name: string): void {
  try {
    ip('netns', 'del', name);
  } catch {
    // not created, or deleted already
  }
  made.delete(name);
}

/**
 * Two network namespaces joined by a veth pair, `a` at 10.77.0.1 and `b` at 10.77.0.2, both with
 * loopback up: nothing touches the host's network. Names carry the test's pid, so parallel runs never
 * collide, and leftovers of a killed run are swept (sweepStaleNamespaces).
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
    this.a = namespaceName(`${tag}a`);
    this.b = namespaceName(`${tag}b`);
    const vethA = `kt${process.pid}${tag}a`.slice(0, 15);
    const vethB = `kt${process.pid}${tag}b`.slice(0, 15);
    this.vethA = vethA;
    this.vethB = vethB;
    try {
      addNamespace(this.a);
      addNamespace(this.b);
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
    const child = spawnOwned('ip', ['netns', 'exec', ns, process.execPath, FORWARD, from, to], {
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
    for (const ns of [this.a, this.b]) deleteNamespace(ns); // the veth pair goes with it
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
