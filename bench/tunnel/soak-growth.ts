/** Growth of a memory figure over a soak: a least-squares slope, and the first window against the last. */
export interface Point {
  atSec: number;
  value: number;
}

export interface Growth {
  /** Least-squares slope over all points, value units per hour. */
  slopePerHour: number;
  /** Mean of the points in the first `windowSec` seconds and in the last `windowSec` seconds. */
  firstMean: number;
  lastMean: number;
}

const SEC_PER_HOUR = 3600;

/** NaN figures when there are fewer than two points or no spread in time. */
export function growth(points: readonly Point[], windowSec: number): Growth {
  const n = points.length;
  if (n < 2) return { slopePerHour: Number.NaN, firstMean: Number.NaN, lastMean: Number.NaN };
  let sumT = 0;
  let sumV = 0;
  for (const p of points) {
    sumT += p.atSec;
    sumV += p.value;
  }
  const meanT = sumT / n;
  const meanV = sumV / n;
  let covariance = 0;
  let varianceT = 0;
  for (const p of points) {
    covariance += (p.atSec - meanT) * (p.value - meanV);
    varianceT += (p.atSec - meanT) ** 2;
  }
  const first = points[0].atSec;
  const last = points[n - 1].atSec;
  return {
    slopePerHour: varianceT === 0 ? Number.NaN : (covariance / varianceT) * SEC_PER_HOUR,
    firstMean: meanOf(points.filter((p) => p.atSec <= first + windowSec)),
    lastMean: meanOf(points.filter((p) => p.atSec >= last - windowSec)),
  };
}

function meanOf(points: readonly Point[]): number {
  let sum = 0;
  for (const p of points) sum += p.value;
  return points.length === 0 ? Number.NaN : sum / points.length;
}
