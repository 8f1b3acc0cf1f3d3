import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports for a test's (or a benchmark's) processes to bind come from below the kernel's ephemeral range.
 * A port the kernel hands out for bind(0) is an ephemeral one, and once closed it may go to the next
 * socket anyone binds or connects without a port: every client's UDP socket (a client with -conn 1000 holds
 * a thousand) and every outgoing TCP connection. Picked that way, a port was taken between the pick and the
 * server's bind (a sessions benchmark's server: "bind EADDRINUSE", with the suite running beside it;
 * docs/test-flakes-2026-12-06.md). Below the range only another explicit pick can take it: a random one
 * of some 20,000, checked free.
 */
const LOWEST_PICK = 10_000;
/** Linux's default ip_local_port_range starts here. */
const DEFAULT_EPHEMERAL_LOW = 32_768;
const PICK_ATTEMPTS = 50;

/** The first port of the kernel's ephemeral range (Linux; elsewhere the IANA range's low half is safe). */
export function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 0 ? n : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/** Bind `port` (0: the kernel's pick) on 127.0.0.1 and release it; resolves with the port, or null if in use. */
type Probe = (port: number) => Promise<number | null>;

const probeTcp: Probe = (port) =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(null) : reject(err),
    );
    s.listen(port, '127.0.0.1', () => {
      const bound = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(bound));
    });
  });

const probeUdp: Probe = (port) =>
  new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', (err: NodeJS.ErrnoException) => {
      s.close();
      if (err.code === 'EADDRINUSE') resolve(null);
      else reject(err);
    });
    s.bind(port, '127.0.0.1', () => {
      const bound = s.address().port;
      s.close(() => resolve(bound));
    });
  });

async function pick(probe: Probe): Promise<number> {
  const high = ephemeralLow();
  if (high - LOWEST_PICK >= PICK_ATTEMPTS) {
    for (let i = 0; i < PICK_ATTEMPTS; i++) {
      const port = await probe(LOWEST_PICK + Math.floor(Math.random() * (high - LOWEST_PICK)));
      if (port !== null) return port;
    }
  }
  // no room below the range (or all taken): the kernel's pick, as before
  const port = await probe(0);
  if (port === null) throw new Error('no free port on 127.0.0.1');
  return port;
}

/** A TCP port that was free a moment ago on 127.0.0.1, below the ephemeral range. */
export function freeTcpPort(): Promise<number> {
  return pick(probeTcp);
}

/** A UDP port that was free a moment ago on 127.0.0.1, below the ephemeral range. */
export function freeUdpPort(): Promise<number> {
  return pick(probeUdp);
}
