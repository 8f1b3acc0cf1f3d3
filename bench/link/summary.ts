/** Repeated runs of one transport on one link, reduced to the run that stands for them. */
import { isWarm, type ProbeSummary, probeSummary, type RunResult } from './run.js';

/** Runs of one transport on one link, cold and warm apart. */
function key(r: RunResult): string {
  return `${r.profile}\u0000${r.transport}\u0000${isWarm(r)}`;
}

/**
 * One run per profile and transport, in first-seen order: the successful run with the median goodput
 * (the lower middle one for an even count), or the first run when none succeeded. Its goodput and wire
 * figures are reported as measured together, not mixed across runs; the report takes its probe figures
 * from the row's runs pooled (withPooledProbes).
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

/**
 * The successful runs' probe round trips of `r`'s profile and transport, pooled: on a long link one
 * download holds 17-24 samples of a thin probe (endpoint-protocol.ts PROBE_IN_FLIGHT), so its "p99" is
 * their maximum, and the samples of the row's repeated runs together come nearer one worth quoting (100
 * or more: 3 runs on the 25 ms and 10 Mbit/s links, 5-6 on 100 ms/5 % and 150 ms/10 %). `r`'s own
 * figures when any of them lacks its samples (reports from before 2026-12-06) or when it stands alone.
 */
export function pooledProbe(runs: readonly RunResult[], r: RunResult): ProbeSummary {
  const same = runs.filter((x) => key(x) === key(r) && x.ok);
  if (same.length < 2) return r.probe;
  const idle: number[] = [];
  const loaded: number[] = [];
  let outstandingMs: number | null = null;
  for (const x of same) {
    if (x.probe.idleRttMs === undefined || x.probe.rttMs === undefined) return r.probe;
    idle.push(...x.probe.idleRttMs);
    loaded.push(...x.probe.rttMs);
    if (x.probe.outstandingMs !== null) outstandingMs = Math.max(outstandingMs ?? 0, x.probe.outstandingMs);
  }
  return probeSummary(idle, loaded, outstandingMs, r.probe.intervalMs ?? 0);
}

/** `chosen` (representativeRuns of `runs`) with the pooled probe figures of their rows. */
export function withPooledProbes(chosen: readonly RunResult[], runs: readonly RunResult[]): RunResult[] {
  return chosen.map((r) => ({ ...r, probe: pooledProbe(runs, r) }));
}
