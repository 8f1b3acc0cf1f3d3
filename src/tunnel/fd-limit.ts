import { readFileSync } from 'node:fs';

/** Descriptors kept free for what is not an accepted connection: UDP sockets, logs, targets' DNS. */
const RESERVED_DESCRIPTORS = 32;

/**
 * How many accepted connections this process can hold without running out of file descriptors, or
 * undefined where the limit cannot be read. Past the limit libuv closes pending connections silently
 * (net.Server never hears about EMFILE), so the caller caps `maxConnections` below it and logs the drops.
 */
export function connectionBudget(): number | undefined {
  let limits: string;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  if (m === null || m[1] === 'unlimited') return undefined;
  return Math.max(1, Number(m[1]) - RESERVED_DESCRIPTORS);
}
