/**
 * Preloaded into a program by test/cli/heap-tuning.test.ts (node --import): on SIGUSR2 it runs a small
 * loop hot enough for V8 to optimize it, then prints a line, so that the test can see (with --trace-opt)
 * whether the optimizing compiler is on at a moment of its choosing. The line numbers the runs (#1, #2...).
 */
export const OPTIMIZER_PROBE_LINE = 'optimizer probe ran';
/** The name --trace-opt prints when it optimizes the probe's loop. */
export const OPTIMIZER_PROBE_FUNCTION = 'optimizerProbeLoop';

function optimizerProbeLoop(values: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum = (sum + values[i]! * 31) | 0;
  return sum;
}

let runs = 0;

process.on('SIGUSR2', () => {
  const values = new Int32Array(1000).fill(7);
  let sum = 0;
  for (let round = 0; round < 20_000; round++) sum = (sum + optimizerProbeLoop(values)) | 0;
  process.stderr.write(`${OPTIMIZER_PROBE_LINE} #${++runs} (${sum})\n`);
});
