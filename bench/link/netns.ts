/**
 * The two network namespaces of the emulated link and their addresses. 198.18.0.0/15 is the range
 * set aside for benchmarking (RFC 2544); the namespaces hold only loopback and the TUN device, so
 * nothing sent there can leave them.
 */
import { mustRun, runCommand } from './shell.js';

export const NAMESPACE_A = 'kcpbench-a';
export const NAMESPACE_B = 'kcpbench-b';
export const NAMESPACES = [NAMESPACE_A, NAMESPACE_B] as const;
export const ADDRESS_A = '198.18.0.1';
export const ADDRESS_B = '198.18.0.2';
/**
 * A competing flow's addresses in A and B (bench/link/competitor.ts): a TCP connection takes its congestion
 * control from the route to its peer's address (setRouteCongestion), so a competing TCP flow with another
 * algorithm than the download's needs addresses of its own.
 */
export const COMPETITOR_ADDRESS_A = '198.18.0.3';
export const COMPETITOR_ADDRESS_B = '198.18.0.4';
const PREFIX_LENGTH = 24;
export const TUN_NAME = 'kb0';
const TUN_MTU = 1500;
/** Above the default 500 so the kernel never drops in front of the forwarder during bursts. */
const TUN_TX_QUEUE = 1000;
/** TCP may grow its buffers this far, so its window is never what limits it on a long fat link. */
const TCP_BUFFER_LIMITS = '4096 131072 33554432';

export function namespacePath(name: string): string {
  return `/run/netns/${name}`;
}

export function namespaceExists(name: string): boolean {
  return runCommand('ip', ['netns', 'list'])
    .stdout.split('\n')
    .some((l) => l.split(' ')[0] === name);
}

/** Create a namespace with loopback up, IPv6 off (no router solicitations on the link) and big TCP buffers. */
export function createNamespace(name: string): void {
  mustRun('ip', ['netns', 'add', name]);
  mustRun('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  sysctlIn(name, 'net.ipv6.conf.all.disable_ipv6', '1');
  sysctlIn(name, 'net.ipv6.conf.default.disable_ipv6', '1');
  sysctlIn(name, 'net.ipv4.tcp_rmem', TCP_BUFFER_LIMITS);
  sysctlIn(name, 'net.ipv4.tcp_wmem', TCP_BUFFER_LIMITS);
}

/** Address and bring up the TUN device the forwarder created in `name`. */
export function configureTun(name: string, address: string): void {
  mustRun('ip', [
    '-n',
    name,
    'link',
    'set',
    TUN_NAME,
    'mtu',
    String(TUN_MTU),
    'txqueuelen',
    String(TUN_TX_QUEUE),
  ]);
  mustRun('ip', ['-n', name, 'addr', 'add', `${address}/${PREFIX_LENGTH}`, 'dev', TUN_NAME]);
  mustRun('ip', ['-n', name, 'link', 'set', TUN_NAME, 'up']);
}

/** One more address on the namespace's TUN device; its /24 route (configureTun) already covers it. */
export function addAddress(name: string, address: string): void {
  mustRun('ip', ['-n', name, 'addr', 'replace', `${address}/32`, 'dev', TUN_NAME]);
}

export function sysctlIn(name: string, key: string, value: string): void {
  mustRun('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', `${key}=${value}`]);
}

/**
 * Make every TCP connection from `name` to `peer` (either side, accepted ones included) use
 * `congestion`, through the route's congctl attribute. A namespace other than the initial one may not
 * make a restricted algorithm (cubic, here) its default, and Node.js cannot setsockopt TCP_CONGESTION,
 * but a route may name any algorithm the kernel has.
 */
export function setRouteCongestion(name: string, peer: string, congestion: string): void {
  mustRun('ip', ['-n', name, 'route', 'replace', `${peer}/32`, 'dev', TUN_NAME, 'congctl', congestion]);
}

/** PIDs of the processes living in a namespace (only ones this tool started can be there). */
export function namespacePids(name: string): number[] {
  return runCommand('ip', ['netns', 'pids', name])
    .stdout.split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

export function deleteNamespace(name: string): void {
  if (namespaceExists(name)) mustRun('ip', ['netns', 'del', name]);
}

/** The namespace's Udp RcvbufErrors: datagrams dropped because a receiving socket's buffer was full. */
export function udpReceiveBufferErrors(name: string): number {
  const lines = mustRun('ip', ['netns', 'exec', name, 'cat', '/proc/net/snmp'])
    .split('\n')
    .filter((l) => l.startsWith('Udp: '));
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  return Number(values[names.indexOf('RcvbufErrors')]);
}
