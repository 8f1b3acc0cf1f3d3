import { QPP_MAX_PADS } from './pads.js';

/** qpp.QPPMinimumSeedLength(8): ceil(bitlen(256!)/8) key bytes to reach every permutation. */
export const QPP_MIN_KEY_BYTES = 211;
/** qpp.QPPMinimumPads(8) = ceil(211/32). */
export const QPP_MIN_PADS = 7;
/** kcptun's qppPower: the pad count should be coprime with it. */
const QPP_QUBITS = 8;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * kcptun's `ValidateQPPParams` (docs/protocol.md §9.6): throws when the pad count is unusable, otherwise returns
 * kcptun's non-fatal warnings, worded as kcptun prints them. The key length counts UTF-8 bytes, as Go does.
 */
export function validateQppParams(key: string, count: number): string[] {
  if (!Number.isInteger(count) || count <= 0) {
    throw new Error(`-QPPCount must be greater than 0 when QPP is enabled, got ${count}`);
  }
  if (count > QPP_MAX_PADS) throw new Error(`-QPPCount must be at most ${QPP_MAX_PADS}, got ${count}`);
  const warnings: string[] = [];
  const keyBytes = Buffer.byteLength(key, 'utf8');
  if (keyBytes < QPP_MIN_KEY_BYTES) {
    warnings.push(
      `QPP Warning: 'key' has size of ${keyBytes} bytes, required ${QPP_MIN_KEY_BYTES} bytes at least`,
    );
  }
  if (count < QPP_MIN_PADS)
    warnings.push(`QPP Warning: QPPCount ${count}, required ${QPP_MIN_PADS} at least`);
  if (gcd(count, QPP_QUBITS) !== 1) {
    warnings.push(`QPP Warning: QPPCount ${count}, choose a prime number for security`);
  }
  return warnings;
}
