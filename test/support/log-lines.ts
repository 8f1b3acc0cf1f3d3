/**
 * Log lines collected from a tunnel's `log` callback, with a wait for a line that resolves when the line is
 * logged (no polling, no sleep): the caller's test timeout bounds it.
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

  /** The first line matching `pattern` already logged or yet to come, skipping the first `after` lines. */
  waitFor(pattern: RegExp, after = 0): Promise<string> {
    const found = this.lines.slice(after).find((l) => pattern.test(l));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  /** Resolves once `n` lines matching `pattern` have been logged. */
  async waitForCount(pattern: RegExp, n: number): Promise<void> {
    while (this.count(pattern) < n) await this.waitFor(pattern, this.lines.length);
  }

  count(pattern: RegExp): number {
    return this.lines.filter((l) => pattern.test(l)).length;
  }
}
