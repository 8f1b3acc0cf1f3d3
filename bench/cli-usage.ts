/**
 * The benchmarks' command lines, one rule for all: `--help` or `-h` prints the usage on stdout; a mistyped
 * option or value gets its one-line reason and the usage on stderr, not a stack trace (exit status 1);
 * any other failure its stack.
 */

/** A mistake in the options, reported with the usage. */
export class UsageError extends Error {}

function isUsageError(err: unknown): err is Error {
  if (err instanceof UsageError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** Run a benchmark's `main` under that rule. */
export function runBenchMain(usage: string, main: () => Promise<void>): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(usage);
    return;
  }
  main().catch((err: unknown) => {
    if (isUsageError(err)) console.error(`${err.message}\n${usage}`);
    else console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  });
}
