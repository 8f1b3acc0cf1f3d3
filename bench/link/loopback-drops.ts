/**
 * Segments the kernel dropped on the TCP connections inside the link's namespaces: the data source's
 * connection to the tunnel server (namespace B) and the tunnel client's to the fetcher (A), both over
 * loopback. Linux drops an in-window segment there only when the receiving socket cannot be charged for
 * it (TCPRcvQDrop, TCPBacklogDrop, TCPZeroWindowDrop), which the host's TCP memory past net.ipv4.tcp_mem
 * causes in every namespace at once (it is global): a flood of streams to endless local targets elsewhere
 * on the machine did it in the thirty-seventh session. The sender then waits for its retransmission timer
 * (200 ms at least, doubling), and the tunnel has nothing to send: the trace says limit=data for 0.4-1.4 s
 * at a time and a cold download ran at half its rate. A run with such drops measured the host, not the
 * transport.
 */
import { NAMESPACES } from './netns.js';
import { runCommand } from './shell.js';

export const LOOPBACK_DROP_COUNTERS = ['TCPRcvQDrop', 'TCPBacklogDrop', 'TCPZeroWindowDrop'] as const;

/** The TcpExt counters of a /proc/net/netstat text (a header line of names, then a line of values). */
export function parseTcpExt(netstat: string): Map<string, number> {
  const counters = new Map<string, number>();
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return counters;
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1);
  names.forEach((name, i) => {
    const v = Number(values[i]);
    if (name !== '' && Number.isFinite(v)) counters.set(name, v);
  });
  return counters;
}

/** The sum of LOOPBACK_DROP_COUNTERS over the link's namespaces; null when they cannot be read. */
export function loopbackTcpDrops(): number | null {
  let sum = 0;
  for (const ns of NAMESPACES) {
    const r = runCommand('ip', ['netns', 'exec', ns, 'cat', '/proc/net/netstat']);
    if (r.status !== 0) return null;
    const counters = parseTcpExt(r.stdout);
    for (const name of LOOPBACK_DROP_COUNTERS) sum += counters.get(name) ?? 0;
  }
  return sum;
}
