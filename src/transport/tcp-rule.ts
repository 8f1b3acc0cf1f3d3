/**
 * The iptables rule of kcptun's fake-TCP transport. Both ends keep a real TCP connection open (so the
 * kernel did the handshake and middleboxes see a real flow) but send their data as segments they build on a
 * raw socket. The kernel sees that data arrive on its connection and answers it (ACKs, and RSTs once the
 * sequence numbers wander off); xtaci/tcpraw silences it by setting the connection's TTL to 1 and dropping
 * TCP packets with TTL 1 in the OUTPUT chain: for the client those to the server's ip:port, for the server
 * those from its port. Ours adds the same rule, tagged with a comment naming the process, removes it when
 * the transport closes or the process exits (SIGINT and SIGTERM exit through process.exit), and at start
 * removes the rules of processes that no longer run (a SIGKILL leaves its rule behind).
 */
import { execFileSync } from 'node:child_process';

const IPTABLES = 'iptables';
/** The comment every rule carries: this prefix, then the pid of the process that added it. */
const TAG_PREFIX = 'kcptun-ts-tcp:';

/** The match of the rule for a client (to the server) or a server (from its port), as tcpraw writes it. */
export function ruleSpec(
  end: { dstIp: string; dstPort: number } | { srcPort: number },
  pid: number,
): string[] {
  const where =
    'srcPort' in end ? ['--sport', String(end.srcPort)] : ['-d', end.dstIp, '--dport', String(end.dstPort)];
  const match = ['-m', 'ttl', '--ttl-eq', '1', '-p', 'tcp', ...where];
  const tag = ['-m', 'comment', '--comment', `${TAG_PREFIX}${pid}`];
  return [...match, ...tag, '-j', 'DROP'];
}

function iptables(args: string[]): string {
  return execFileSync(IPTABLES, ['-w', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why iptables cannot be used here, in one line naming the fix, or null when `iptables -S OUTPUT` works. */
export function iptablesUnavailable(): string | null {
  try {
    iptables(['-S', 'OUTPUT']);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      return '-tcp needs iptables to keep the kernel from answering the fake TCP segments: install it (apt-get install iptables) or put it on PATH';
    }
    const detail = (e.stderr ?? e.message).trim().split('\n')[0];
    return `-tcp needs iptables to keep the kernel from answering the fake TCP segments, and it failed: ${detail}`;
  }
}

/** Whether process `pid` runs (EPERM: it does, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Delete the tagged rules (from `iptables -S OUTPUT` lines) of processes no longer running; returns how
 * many. Rules of live processes, ours included, stay.
 */
export function removeStaleRules(): number {
  let removed = 0;
  for (const line of iptables(['-S', 'OUTPUT']).split('\n')) {
    const args = line.trim().split(/\s+/);
    const i = args.indexOf('--comment');
    if (args[0] !== '-A' || i < 0) continue;
    const tag = args[i + 1]?.replace(/^"|"$/g, '') ?? '';
    if (!tag.startsWith(TAG_PREFIX)) continue;
    const pid = Number(tag.slice(TAG_PREFIX.length));
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
    try {
      iptables(['-D', ...args.slice(1).map((a) => a.replace(/^"(.*)"$/, '$1'))]);
      removed++;
    } catch {
      // another process removed it first
    }
  }
  return removed;
}

/**
 * The rules this process holds, counted per rule (several sessions of one client share the server's), and
 * removed at exit. Process-wide by nature: the exit hook must find every rule whatever owns it.
 */
class RuleTable {
  private readonly held = new Map<string, { spec: string[]; users: number }>();
  private hooked = false;

  acquire(spec: string[]): () => void {
    const key = spec.join(' ');
    let entry = this.held.get(key);
    if (entry === undefined) {
      iptables(['-A', 'OUTPUT', ...spec]);
      entry = { spec, users: 0 };
      this.held.set(key, entry);
      this.hook();
    }
    entry.users++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const e = this.held.get(key);
      if (e === undefined || --e.users > 0) return;
      this.held.delete(key);
      deleteQuietly(e.spec);
    };
  }

  private hook(): void {
    if (this.hooked) return;
    this.hooked = true;
    process.on('exit', () => {
      for (const e of this.held.values()) deleteQuietly(e.spec);
      this.held.clear();
    });
  }
}

function deleteQuietly(spec: string[]): void {
  try {
    iptables(['-D', 'OUTPUT', ...spec]);
  } catch {
    // already gone (removed by hand, or by another process's stale-rule sweep)
  }
}

const rules = new RuleTable();

/** Add the rule (once per process per spec) and return its release. */
export function holdRule(spec: string[]): () => void {
  return rules.acquire(spec);
}
