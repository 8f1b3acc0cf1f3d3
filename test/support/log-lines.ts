import { WAIT_MS, within } from './deadline.js';

const LAST_LINES = 20;

/**
 * Log lines collected from a tunnel's `log` callback, with a wait for a line that resolves when the line is
 * logged (no polling, no sleep), or fails after WAIT_MS naming the pattern, with the last lines logged.
 */
export class LogLines {
  readonly lines: string[] = [];
  private waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];

  readonly log = (line: string): void => {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pattern.test(line)) return true;
      w.resolve(line);
      return false;
    });
  };

  /**
   * The first line matching `pattern` already logged or yet to come, skipping the first `after` lines;
   * fails after `withinMs`.
   */
  waitFor(pattern: RegExp, after = 0, withinMs = WAIT_MS): Promise<string> {
    const found = this.lines.slice(after).find((l) => pattern.test(l));
    if (found !== undefined) return Promise.resolve(found);
    const logged = new Promise<string>((resolve) => this.waiters.push({ pattern, resolve }));
    return within(`a line matching ${pattern}`, withinMs, logged, () => this.tail());
  }

  private tail(): string {
    return `last lines logged:\n${this.lines.slice(-LAST_LINES).join('\n')}`;
  }

  /** Resolves once `n` lines matching `pattern` have been logged. */
  async waitForCount(pattern: RegExp, n: number): Promise<void> {
    while (this.count(pattern) < n) await this.waitFor(pattern, this.lines.length);
  }

  count(pattern: RegExp): number {
    return this.lines.filter((l) => pattern.test(l)).length;
  }
}
