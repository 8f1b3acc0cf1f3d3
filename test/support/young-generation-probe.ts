/**
 * Preloaded into a program by test/cli/heap-tuning.test.ts (node --import): on SIGUSR2 it prints the size
 * of V8's young generation in bytes, so the test can read it at a moment of its choosing.
 */
import { getHeapSpaceStatistics } from 'node:v8';

export const YOUNG_GENERATION_LINE = 'young generation bytes: ';

process.on('SIGUSR2', () => {
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  process.stderr.write(`${YOUNG_GENERATION_LINE}${young?.space_size}\n`);
});
