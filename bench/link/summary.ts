/** Repeated runs of one transport on one link, reduced to the run that stands for them. */
import { isWarm, type RunResult } from './run.js';

/** Runs of one transport on one link, cold and warm apart. */
function key(r: RunResult): string {
  return `${r.profile}\u0000${r.transport}\u0000${isWarm(r)}`;
}

/**
 * One run per profile and transport, in first-seen order: the successful run with the median goodput
 * (the lower middle one for an even count), or the first run when none succeeded. Its probe and wire
 * figures are reported as measured together, not mixed across runs.
 */
export function representativeRuns(runs: readonly RunResult[]): RunResult[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const group = groups.get(key(r));
    if (group === undefined) groups.set(key(r), [r]);
    else group.push(r);
  }
  return [...groups.values()].map((group) => {
    const ok = group.filter((r) => r.ok).sort((a, b) => a.goodputMbit - b.goodputMbit);
    return ok.length === 0 ? group[0] : ok[Math.floor((ok.length - 1) / 2)];
  });
}

/** Lowest and highest goodput of the successful runs of `r`'s profile and transport. */
export function goodputRange(runs: readonly RunResult[], r: RunResult): [number, number] | null {
  const same = runs.filter((x) => key(x) === key(r) && x.ok).map((x) => x.goodputMbit);
  return same.length < 2 ? null : [Math.min(...same), Math.max(...same)];
}
