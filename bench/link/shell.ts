/** Synchronous command helpers for the set-up and tear-down steps, which are short and sequential. */
import { spawnSync } from 'node:child_process';

const COMMAND_TIMEOUT_MS = 15_000;

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCommand(
  cmd: string,
  args: readonly string[],
  timeoutMs = COMMAND_TIMEOUT_MS,
): CommandResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  // A command killed at the timeout has no status and often nothing on stderr: say so.
  const why = r.error ? String(r.error) : r.signal ? `killed by ${r.signal}` : '';
  const stderr = r.stderr ?? '';
  return { status: r.status, stdout: r.stdout ?? '', stderr: why === '' ? stderr : `${why}\n${stderr}` };
}

/** Run and return stdout; a non-zero exit throws with the command line and its stderr. */
export function mustRun(cmd: string, args: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS): string {
  const r = runCommand(cmd, args, timeoutMs);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

export function commandExists(cmd: string): boolean {
  return runCommand('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
