/** The link profiles of the benchmark and the kcptun settings used on each. */
import { type GilbertElliott, gilbertElliottMeanLoss, type LinkSettings } from './link-settings.js';

export interface LinkProfile {
  id: string;
  label: string;
  oneWayDelayMs: number;
  /** Independent loss per packet, each direction; 0 when `gilbertElliott` gives the loss instead. */
  loss: number;
  /** Bursty loss, each direction, in place of `loss`. */
  gilbertElliott?: GilbertElliott;
  /** Uniform ±jitter around the one-way delay, each direction (the emulator never reorders). */
  jitterMs?: number;
  rateMbit: number;
  /** False when the rate is the default one rather than part of the profile. */
  rateStated: boolean;
  /** The tail-drop queue in front of the rate limit, in bandwidth-delay products (default 1). */
  queueBdp?: number;
  /**
   * The send and receive window of the fast3 rows (Go kcptun and ours with the same flags), in BDPs of
   * 1350-byte packets: the one with the best goodput in a sweep of Go kcptun over 0.5, 1, 2, 4 and 8 BDP
   * on this profile (docs/link-window-sweep.md). kcptun needs a user to find this number; `-mode auto`
   * does not.
   */
  fast3WindowBdp: number;
  /**
   * The most one download moves on this profile, bytes (absent: `--bytes` as given): a slow link would spend
   * the whole cap on the full run's 16 MiB (67 s at 2 Mbit/s), so its rows would compare capped transfers.
   */
  downloadBytesMax?: number;
  /** Run only when named in --profiles (not in "all"), as a transport's onlyWhenNamed. */
  onlyWhenNamed?: boolean;
}

/**
 * Profiles that name no rate run at 100 Mbit/s, the rate the emulator is rated for: an unlimited link
 * would only measure how fast two cores can push packets, not the link.
 */
export const DEFAULT_RATE_MBIT = 100;

/**
 * Bursts of about 3 lost packets (1/r) at 3 % average loss: the shape of Wi-Fi and cellular loss, which
 * FEC groups of 13 see as clusters rather than the evenly spread loss of the other profiles.
 */
const BURSTY_3_PERCENT: GilbertElliott = { p: 0.0105, r: 0.3, lossBad: 0.9, lossGood: 0 };

/**
 * A slow profile's download lasts about this long at its rate (see downloadBytesMax): long enough for a
 * steady state after Startup's few round trips (5 s on a 600 ms round trip), short enough that each row's
 * cold and warm downloads stay under a minute.
 */
const SLOW_DOWNLOAD_S = 12;

function slowDownloadBytes(rateMbit: number): number {
  return Math.round(((rateMbit * 1e6) / 8) * SLOW_DOWNLOAD_S);
}

export const PROFILES: readonly LinkProfile[] = [
  {
    id: '25ms-0',
    label: '25 ms, 0 %',
    oneWayDelayMs: 25,
    loss: 0,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
    fast3WindowBdp: 8,
  },
  {
    id: '25ms-2',
    label: '25 ms, 2 %',
    oneWayDelayMs: 25,
    loss: 0.02,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
    fast3WindowBdp: 8,
  },
  {
    id: '100ms-5',
    label: '100 ms, 5 %',
    oneWayDelayMs: 100,
    loss: 0.05,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
    fast3WindowBdp: 8,
  },
  {
    id: '100ms-5-50M',
    label: '100 ms, 5 %, 50 Mbit/s',
    oneWayDelayMs: 100,
    loss: 0.05,
    rateMbit: 50,
    rateStated: true,
    fast3WindowBdp: 8,
  },
  {
    id: '150ms-10',
    label: '150 ms, 10 %',
    oneWayDelayMs: 150,
    loss: 0.1,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
    fast3WindowBdp: 8,
  },
  {
    // A cheap VPS: a 10 Mbit/s shaper with a deep buffer (8 BDP, 0.8 s of queue) on a 100 ms path.
    id: 'vps-50ms-1-10M',
    label: '50 ms, 1 %, 10 Mbit/s, deep queue',
    oneWayDelayMs: 50,
    loss: 0.01,
    rateMbit: 10,
    rateStated: true,
    queueBdp: 8,
    fast3WindowBdp: 1,
  },
  {
    // A cheap cross-ocean VPS: the same 10 Mbit/s shaper on a 300 ms path with the classic one-BDP
    // buffer (~280 datagrams): a sender's first flight can fill it before any ACK tells. Its fast3
    // window is the VPS profile's (not swept).
    id: 'vps-150ms-1-10M',
    label: '150 ms, 1 %, 10 Mbit/s',
    oneWayDelayMs: 150,
    loss: 0.01,
    rateMbit: 10,
    rateStated: true,
    fast3WindowBdp: 1,
  },
  {
    id: 'bursty-50ms-3',
    label: '50 ms, 3 % bursty',
    oneWayDelayMs: 50,
    loss: 0,
    gilbertElliott: BURSTY_3_PERCENT,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
    fast3WindowBdp: 8,
  },
  {
    id: 'jitter-50ms-1',
    label: '50 ± 30 ms, 1 %',
    oneWayDelayMs: 50,
    jitterMs: 30,
    loss: 0.01,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
    fast3WindowBdp: 8,
  },
  {
    // A poor cellular path: 2 Mbit/s, 2 % loss, and the multi-second buffer in front of a mobile link that
    // bufferbloat studies measure (16 BDP: 1.9 s of queue). Named only: with the probe's 10 s idle phase
    // and the warm download, its six rows add ~6 minutes to a full run. Its fast3 window: Go kcptun at 1
    // BDP moved 1.15 Mbit/s, at 4 BDP 0.95 (capped), one run each (docs/link-slow-2026-12-06-slowlink29.md).
    id: 'cell-60ms-2-2M',
    label: '60 ms, 2 %, 2 Mbit/s, deep queue',
    oneWayDelayMs: 60,
    loss: 0.02,
    rateMbit: 2,
    rateStated: true,
    queueBdp: 16,
    fast3WindowBdp: 1,
    downloadBytesMax: slowDownloadBytes(2),
    onlyWhenNamed: true,
  },
  {
    // A geostationary satellite hop: 1 Mbit/s, 1 %, a 600 ms round trip with the classic one-BDP buffer
    // (~54 datagrams): every first flight above two BDPs meets a full queue. Named only, as above. Its
    // fast3 window: Go kcptun at 1 BDP 0.49 Mbit/s with 44 queue drops, at 4 BDP 0.50 with 2,070.
    id: 'sat-300ms-1-1M',
    label: '300 ms, 1 %, 1 Mbit/s',
    oneWayDelayMs: 300,
    loss: 0.01,
    rateMbit: 1,
    rateStated: true,
    fast3WindowBdp: 1,
    downloadBytesMax: slowDownloadBytes(1),
    onlyWhenNamed: true,
  },
];

/** The bytes of one download on `p` when `bytes` are asked for (see LinkProfile.downloadBytesMax). */
export function downloadBytes(p: LinkProfile, bytes: number): number {
  return Math.min(bytes, p.downloadBytesMax ?? bytes);
}

export function roundTripMs(p: LinkProfile): number {
  return 2 * p.oneWayDelayMs;
}

export function bdpBytes(p: LinkProfile): number {
  return Math.round(((p.rateMbit * 1e6) / 8) * (roundTripMs(p) / 1000));
}

/** The long-run loss per packet, each direction, whichever way the profile states it. */
export function meanLoss(p: LinkProfile): number {
  return p.gilbertElliott === undefined ? p.loss : gilbertElliottMeanLoss(p.gilbertElliott);
}

/** Fixed so that every transport on a profile meets the same loss pattern from the same start. */
const LOSS_SEED = 20260101;

/**
 * Symmetric link: the same delay, loss and rate both ways (ACKs are lost too). The queue in front
 * of the rate limit holds one bandwidth-delay product, the classic router buffer size, unless the
 * profile says otherwise.
 */
export function linkSettingsOf(p: LinkProfile): LinkSettings {
  const direction = {
    delayMs: p.oneWayDelayMs,
    jitterMs: p.jitterMs,
    loss: p.loss,
    gilbertElliott: p.gilbertElliott,
    rateMbit: p.rateMbit,
    queueBytes: Math.round(bdpBytes(p) * (p.queueBdp ?? 1)),
  };
  return { aToB: direction, bToA: { ...direction }, seed: LOSS_SEED };
}
