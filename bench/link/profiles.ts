/** The link profiles of the benchmark and the kcptun settings used on each. */
import type { LinkSettings } from './link-settings.js';

export interface LinkProfile {
  id: string;
  label: string;
  oneWayDelayMs: number;
  /** Independent loss per packet, each direction. */
  loss: number;
  rateMbit: number;
  /** False when the rate is the default one rather than part of the profile. */
  rateStated: boolean;
}

/**
 * Profiles that name no rate run at 100 Mbit/s, the rate the emulator is rated for: an unlimited link
 * would only measure how fast two cores can push packets, not the link.
 */
export const DEFAULT_RATE_MBIT = 100;

export const PROFILES: readonly LinkProfile[] = [
  {
    id: '25ms-0',
    label: '25 ms, 0 %',
    oneWayDelayMs: 25,
    loss: 0,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
  },
  {
    id: '25ms-2',
    label: '25 ms, 2 %',
    oneWayDelayMs: 25,
    loss: 0.02,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
  },
  {
    id: '100ms-5',
    label: '100 ms, 5 %',
    oneWayDelayMs: 100,
    loss: 0.05,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
  },
  {
    id: '100ms-5-50M',
    label: '100 ms, 5 %, 50 Mbit/s',
    oneWayDelayMs: 100,
    loss: 0.05,
    rateMbit: 50,
    rateStated: true,
  },
  {
    id: '150ms-10',
    label: '150 ms, 10 %',
    oneWayDelayMs: 150,
    loss: 0.1,
    rateMbit: DEFAULT_RATE_MBIT,
    rateStated: false,
  },
];

export function roundTripMs(p: LinkProfile): number {
  return 2 * p.oneWayDelayMs;
}

export function bdpBytes(p: LinkProfile): number {
  return Math.round(((p.rateMbit * 1e6) / 8) * (roundTripMs(p) / 1000));
}

/** Fixed so that every transport on a profile meets the same loss pattern from the same start. */
const LOSS_SEED = 20260101;

/**
 * Symmetric link: the same delay, loss and rate both ways (ACKs are lost too). The queue in front
 * of the rate limit holds one bandwidth-delay product, the classic router buffer size.
 */
export function linkSettingsOf(p: LinkProfile): LinkSettings {
  const direction = { delayMs: p.oneWayDelayMs, loss: p.loss, rateMbit: p.rateMbit, queueBytes: bdpBytes(p) };
  return { aToB: direction, bToA: { ...direction }, seed: LOSS_SEED };
}
