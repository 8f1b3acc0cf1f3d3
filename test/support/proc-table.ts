import { readdirSync, readFileSync } from 'node:fs';

/**
 * The kernel's process table (/proc), for tests that check what a killed process left running: a process
 * that is gone or a zombie (dead, waiting for its parent to reap it) is not running.
 */

/** Fields 3 (state) and 4 (ppid) of /proc/<pid>/stat; null when the process is gone. */
function stat(pid: number): { state: string; ppid: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name (field 2) is in parentheses and may hold spaces: the fields after it follow its ')'
  const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: state!, ppid: Number(ppid) };
}

export function running(pid: number): boolean {
  const s = stat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}

/** Every running process whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const child = Number(name);
    const s = stat(child);
    if (s !== null && s.ppid === pid && s.state !== 'Z') found.push(child);
  }
  return found;
}

/** A process's command line, for a failure message; '' when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** SIGKILL `pid` if it is still there: what a failed test leaves is not left to the next run. */
export function killIfRunning(pid: number): void {
  if (!running(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // it ended meanwhile
  }
}
