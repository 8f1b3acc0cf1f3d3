import type { Impl } from '../../test/support/procs.js';

/** One tunnel configuration: the same flags go to both ends. */
export interface Setting {
  name: string;
  args: string[];
  /**
   * Flags only ours knows (`-mode auto`): run with the pairs of ours alone, and only when named, as "all"
   * compares ours with Go.
   */
  oursOnly?: boolean;
  /** Flags ours alone gets after `args` (a Go end runs `args` alone, at its own defaults otherwise). */
  oursArgs?: string[];
  /**
   * Run with the pairs of one Go end and one of ours alone, and only when named: ours against Go kcptun
   * as a user runs it (`-mode auto` on our end, Go's client or server at its defaults).
   */
  againstGo?: boolean;
}

/**
 * Every setting names -smuxver 1: K21 defaults to smux v1 and ours to v2 (the latest kcptun's), and a
 * pair only talks when both ends agree, so "defaults" means "defaults except the smux version". The
 * settings ours and Go share also name kcptun's default -mode fast, as ours defaults to -mode auto.
 */
const SMUX_V1 = ['-smuxver', '1'];
const KCPTUN_MODE = ['-mode', 'fast'];
const WND_1024 = ['-sndwnd', '1024', '-rcvwnd', '1024'];

export const SETTINGS: readonly Setting[] = [
  { name: 'defaults', args: [...SMUX_V1, ...KCPTUN_MODE] },
  { name: 'wnd1024', args: [...SMUX_V1, ...KCPTUN_MODE, ...WND_1024] },
  { name: 'wnd1024-nocomp', args: [...SMUX_V1, ...KCPTUN_MODE, ...WND_1024, '-nocomp'] },
  { name: 'auto', args: [...SMUX_V1, '-mode', 'auto'], oursOnly: true },
  // on loopback Go's client acknowledges once per -interval (30 ms), many round trips: the in-flight cap
  // has to span its ACK period (docs/link-auto-lan-2026-12-05.md)
  { name: 'auto-go', args: [...SMUX_V1], oursArgs: ['-mode', 'auto'], againstGo: true },
  {
    name: 'fast3-raw',
    args: [...SMUX_V1, '-crypt', 'none', '-nocomp', '-ds', '0', '-ps', '0', '-mode', 'fast3', ...WND_1024],
  },
];

/** A client implementation and a server implementation. */
export interface Pair {
  name: string;
  client: Impl;
  server: Impl;
  /** Ours with -metrics on and /metrics scraped every second on both ends; run only when named. */
  metrics?: boolean;
  /** -tcp at both ends, each in its own network namespace (netns-placement.ts; root); run only when named. */
  tcp?: boolean;
  /** Our server with -workers N (its sessions spread over N threads); run only when named. */
  serverWorkers?: number;
  /** Our client with -workers N (connections and -conn sessions spread over N threads); run only when named. */
  clientWorkers?: number;
}

/** In run order: ours and Go's alternate, then the mixed pairs. */
export const PAIRS: readonly Pair[] = [
  { name: 'ts-ts', client: 'ts', server: 'ts' },
  { name: 'go-go', client: 'go', server: 'go' },
  { name: 'ts-go', client: 'ts', server: 'go' },
  { name: 'go-ts', client: 'go', server: 'ts' },
  { name: 'ts-ts-metrics', client: 'ts', server: 'ts', metrics: true },
  { name: 'ts-ts-tcp', client: 'ts', server: 'ts', tcp: true },
  { name: 'go-go-tcp', client: 'go', server: 'go', tcp: true },
  { name: 'ts-ts-w2', client: 'ts', server: 'ts', serverWorkers: 2 },
  { name: 'go-ts-w2', client: 'go', server: 'ts', serverWorkers: 2 },
  { name: 'ts-ts-cw2', client: 'ts', server: 'ts', clientWorkers: 2 },
  { name: 'ts-ts-cw2-w2', client: 'ts', server: 'ts', clientWorkers: 2, serverWorkers: 2 },
  { name: 'ts-go-cw2', client: 'ts', server: 'go', clientWorkers: 2 },
];

/**
 * The pairs "all" means: every pair but the -metrics and -workers variants, which are for before/after
 * comparisons, and the -tcp pairs, which need root for their namespaces.
 */
export function defaultPairs(): Pair[] {
  return PAIRS.filter(
    (p) => !p.metrics && !p.tcp && p.serverWorkers === undefined && p.clientWorkers === undefined,
  );
}

export function pairUsesGo(pair: Pair): boolean {
  return pair.client === 'go' || pair.server === 'go';
}

/** The named entries of `table` in the order asked, or all of them for an empty list. */
export function select<T extends { name: string }>(table: readonly T[], names: string[], flag: string): T[] {
  if (names.length === 0) return [...table];
  return names.map((name) => {
    const found = table.find((t) => t.name === name);
    if (!found)
      throw new Error(`${flag}: unknown name ${name} (known: ${table.map((t) => t.name).join(', ')})`);
    return found;
  });
}

/** The settings "all" means: every setting but the ones only ours runs, or ours against Go. */
export function defaultSettings(): Setting[] {
  return SETTINGS.filter((s) => !s.oursOnly && !s.againstGo);
}

/**
 * The pairs `setting` runs with: all of `pairs`, or for an ours-only setting those of ours alone, or for
 * one against Go those of one Go end and one of ours.
 */
export function pairsFor(setting: Setting, pairs: readonly Pair[]): readonly Pair[] {
  if (setting.oursOnly) return pairs.filter((p) => !pairUsesGo(p));
  if (setting.againstGo) return pairs.filter((p) => pairUsesGo(p) && p.client !== p.server);
  return pairs;
}

/** The setting's flags for one end: `args`, and `oursArgs` on ours. */
export function argsFor(setting: Pick<Setting, 'args' | 'oursArgs'>, impl: Impl): string[] {
  return impl === 'ts' ? [...setting.args, ...(setting.oursArgs ?? [])] : [...setting.args];
}
