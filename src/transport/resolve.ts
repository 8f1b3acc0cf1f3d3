/**
 * Name resolution that loads node:dns only for a name. An address given as an IP literal (what the
 * packaged configs, the tests and most users give: `-r 1.2.3.4:29900`, `-t 127.0.0.1:8080`) resolves to
 * itself, as dns.lookup resolves it, without the module: node:dns/promises and the internal modules it
 * loads are 0.14 MiB of an idle process (docs/bench-tunnel-memory-2026-12-07-mem36.md).
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';

/** dns.promises.lookup(host, options) for one address; an IP literal is its own answer, as there. */
export async function lookupHost(host: string, options: LookupOptions = {}): Promise<LookupAddress> {
  const family = isIP(host);
  if (family !== 0) return { address: host, family };
  // A dynamic import: the bundle's static imports all load at start (tools/bundle/build.mjs)
  const { lookup } = await import('node:dns/promises');
  return lookup(host, { ...options, all: false });
}
