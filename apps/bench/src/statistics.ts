/** Summary of repeated wall-clock measurements (the median is the figure we report). */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/**
 * How far apart the runs were, relative to their median: (max − min) ÷ median. A difference
 * between two medians smaller than the two spreads added is within the noise of the measurement.
 */
export function relativeSpread(s: Spread): number {
  return s.median > 0 ? (s.max - s.min) / s.median : Number.NaN;
}

/**
 * Jain's fairness index (Jain, Chiu, Hawe 1984): (Σx)² / (n·Σx²); 1 when all shares are equal,
 * 1/n when one VM gets everything.
 */
export function jainIndex(shares: readonly number[]): number {
  if (shares.length === 0) return Number.NaN;
  let sum = 0;
  let sq = 0;
  for (const x of shares) {
    sum += x;
    sq += x * x;
  }
  return sq === 0 ? 1 : (sum * sum) / (shares.length * sq);
}

/** Overhead of a figure against its bare-metal baseline: under ÷ bare − 1 (DESIGN.md). */
export function overhead(under: number, bare: number): number {
  return bare > 0 ? under / bare - 1 : Number.NaN;
}
