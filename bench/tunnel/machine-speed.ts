import { createCipheriv } from 'node:crypto';

/**
 * Datagram-sized encryptions in one reference measurement: about 0.3-0.5 s of CPU on the 2-core VM, short
 * beside a bulk step and long enough to steady.
 */
export const REFERENCE_PACKETS = 40_000;
const REFERENCE_PACKET_BYTES = 1400;
const REFERENCE_KEY = Buffer.alloc(32, 1);
const REFERENCE_IV = Buffer.alloc(16, 2);

/**
 * CPU milliseconds this process takes for a fixed piece of work like the tunnel's own (a cipher set up and
 * a datagram encrypted, REFERENCE_PACKETS times): the machine's speed at the moment, which the load
 * average does not show. On the shared KVM guest the same work took 291 to 523 ms within an hour, at load
 * 1.1-1.6 as at 5, and the tunnel's CPU seconds per GiB followed it (correlation 0.69 over 11 runs of 8
 * bulk sessions, docs/bench-tunnel-sessions-2026-12-03-2.md): the host's other guests, not ours.
 */
export function referenceWorkMs(): number {
  const packet = Buffer.alloc(REFERENCE_PACKET_BYTES, 3);
  const before = process.cpuUsage();
  for (let i = 0; i < REFERENCE_PACKETS; i++) {
    createCipheriv('aes-256-cfb', REFERENCE_KEY, REFERENCE_IV).update(packet);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
