/** What the emulated link does in one direction, and the forwarder's status answer. */

export interface GilbertElliott {
  /** Probability per packet of moving from the good to the bad state. */
  p: number;
  /** Probability per packet of moving from the bad back to the good state. */
  r: number;
  lossBad: number;
  lossGood: number;
}

export interface DirectionSettings {
  delayMs: number;
  /** Uniform in ±jitterMs around the delay; packets are never reordered by it. */
  jitterMs?: number;
  /** Independent (Bernoulli) loss as a fraction; ignored when gilbertElliott is given. */
  loss?: number;
  gilbertElliott?: GilbertElliott;
  /** 0 or absent: no rate limit. */
  rateMbit?: number;
  /** The tail-drop queue in front of the rate limit, in bytes; 0 or absent: unbounded. */
  queueBytes?: number;
}

export interface LinkSettings {
  aToB: DirectionSettings;
  bToA: DirectionSettings;
  /** Seeds the loss and jitter draws so runs of one profile see the same pattern. */
  seed?: number;
}

export type DirectionName = 'a2b' | 'b2a';

function checkFraction(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a fraction in [0, 1], got ${value}`);
}

function checkNonNegative(name: string, value: number): void {
  if (!(value >= 0 && Number.isFinite(value)))
    throw new Error(`${name} must be a finite number >= 0, got ${value}`);
}

/** The forwarder's `set` line for one direction. */
export function setCommand(direction: DirectionName, s: DirectionSettings, seed: number | undefined): string {
  checkNonNegative('delayMs', s.delayMs);
  const jitter = s.jitterMs ?? 0;
  checkNonNegative('jitterMs', jitter);
  const loss = s.loss ?? 0;
  checkFraction('loss', loss);
  const rate = s.rateMbit ?? 0;
  checkNonNegative('rateMbit', rate);
  const queue = s.queueBytes ?? 0;
  checkNonNegative('queueBytes', queue);
  const parts = [
    `set ${direction}`,
    `delay_us=${Math.round(s.delayMs * 1000)}`,
    `jitter_us=${Math.round(jitter * 1000)}`,
    `loss=${loss}`,
    `rate_bps=${Math.round(rate * 1e6)}`,
    `queue_bytes=${Math.round(queue)}`,
  ];
  const ge = s.gilbertElliott;
  if (ge === undefined) {
    parts.push('ge=0');
  } else {
    checkFraction('gilbertElliott.p', ge.p);
    checkFraction('gilbertElliott.r', ge.r);
    checkFraction('gilbertElliott.lossBad', ge.lossBad);
    checkFraction('gilbertElliott.lossGood', ge.lossGood);
    parts.push(`ge=${ge.p},${ge.r},${ge.lossBad},${ge.lossGood}`);
  }
  if (seed !== undefined) parts.push(`seed=${seed}`);
  return parts.join(' ');
}

/** The long-run loss rate of a Gilbert-Elliott chain, for reports. */
export function gilbertElliottMeanLoss(ge: GilbertElliott): number {
  const bad = ge.p / (ge.p + ge.r);
  return bad * ge.lossBad + (1 - bad) * ge.lossGood;
}

/** One direction of the forwarder's `status` answer (field names as the C program writes them). */
export interface DirectionStatus {
  delay_us: number;
  jitter_us: number;
  loss: number;
  ge: boolean;
  ge_p: number;
  ge_r: number;
  ge_loss_bad: number;
  ge_loss_good: number;
  rate_bps: number;
  queue_bytes: number;
  in_pkts: number;
  in_bytes: number;
  out_pkts: number;
  out_bytes: number;
  drop_loss_pkts: number;
  drop_loss_bytes: number;
  drop_queue_pkts: number;
  drop_queue_bytes: number;
  drop_ring_pkts: number;
  oversize_pkts: number;
  write_errors: number;
  late_pkts: number;
  late_max_us: number;
  lateness_sum_us: number;
  max_backlog_bytes: number;
  queued_pkts: number;
  /** [bucket, count] pairs; bucket i holds lateness in [10i, 10i + 10) microseconds. */
  lateness_hist_10us: Array<[number, number]>;
}

export interface LinkStatus {
  pid: number;
  uptime_ms: number;
  a2b: DirectionStatus;
  b2a: DirectionStatus;
}

const HIST_BUCKET_US = 10;

/** Upper bound (µs) of the lateness below which fraction q of the delivered packets fall. */
export function latenessPercentileUs(hist: ReadonlyArray<readonly [number, number]>, q: number): number {
  let total = 0;
  for (const [, count] of hist) total += count;
  if (total === 0) return 0;
  let seen = 0;
  for (const [bucket, count] of hist) {
    seen += count;
    if (seen >= q * total) return (bucket + 1) * HIST_BUCKET_US;
  }
  return (hist[hist.length - 1][0] + 1) * HIST_BUCKET_US;
}

/** Packets and bytes that entered the link in either direction, delivered or not. */
export function wireBytes(s: LinkStatus): number {
  return s.a2b.in_bytes + s.b2a.in_bytes;
}
