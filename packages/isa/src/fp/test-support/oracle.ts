/**
 * An independent reference for IEEE 754-2008 rounding, written without the soft-float core:
 * exact values are rationals (or a comparator against an irrational such as a square root), and
 * the correctly rounded result is found by binary search over the ordered encodings, following
 * the definitions of §4.3 (rounding directions), §7.4 (overflow), §7.5 (underflow with tininess
 * after rounding, as RISC-V specifies) and §7.6 (inexact) directly.
 */
export interface Spec {
  readonly width: 32 | 64;
  readonly exponentBits: number;
  readonly fractionBits: number;
}
export const S_SPEC: Spec = { width: 32, exponentBits: 8, fractionBits: 23 };
export const D_SPEC: Spec = { width: 64, exponentBits: 11, fractionBits: 52 };

/** n / d with d > 0. */
export interface Rational {
  n: bigint;
  d: bigint;
}

export function rational(n: bigint, d = 1n): Rational {
  return d < 0n ? { n: -n, d: -d } : { n, d };
}
export function pow2(e: number): Rational {
  return e >= 0 ? { n: 1n << BigInt(e), d: 1n } : { n: 1n, d: 1n << BigInt(-e) };
}
export function compareRational(a: Rational, b: Rational): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}
export function addRational(a: Rational, b: Rational): Rational {
  return { n: a.n * b.d + b.n * a.d, d: a.d * b.d };
}
export function mulRational(a: Rational, b: Rational): Rational {
  return { n: a.n * b.n, d: a.d * b.d };
}
export function negRational(a: Rational): Rational {
  return { n: -a.n, d: a.d };
}

function bias(spec: Spec): number {
  return (1 << (spec.exponentBits - 1)) - 1;
}
export function signBit(spec: Spec): bigint {
  return 1n << BigInt(spec.width - 1);
}
export function infinity(spec: Spec): bigint {
  return ((1n << BigInt(spec.exponentBits)) - 1n) << BigInt(spec.fractionBits);
}

export function isFiniteBits(spec: Spec, bits: bigint): boolean {
  return (bits & infinity(spec)) !== infinity(spec);
}

/** Exact value of a finite encoding (the sign of zero is lost). */
export function valueOf(spec: Spec, bits: bigint): Rational {
  const t = BigInt(spec.fractionBits);
  const field = Number((bits >> t) & ((1n << BigInt(spec.exponentBits)) - 1n));
  const fraction = bits & ((1n << t) - 1n);
  const sig = field === 0 ? fraction : fraction | (1n << t);
  const exp = (field === 0 ? 1 : field) - bias(spec) - spec.fractionBits;
  const magnitude = mulRational(rational(sig), pow2(exp));
  return (bits & signBit(spec)) !== 0n ? negRational(magnitude) : magnitude;
}

/** sign(q - |exact|) for a candidate magnitude q >= 0. */
export type Comparator = (q: Rational) => number;

export function comparatorFor(exactMagnitude: Rational): Comparator {
  return (q) => compareRational(q, exactMagnitude);
}

export interface Rounded {
  bits: bigint;
  flags: number;
}

const NX = 1;
const UF = 2;
const OF = 4;

/**
 * Correctly rounds a non-zero exact value with the given sign and magnitude comparator
 * (RNE 0, RTZ 1, RDN 2, RUP 3, RMM 4).
 */
export function roundExact(spec: Spec, negative: boolean, cmp: Comparator, rm: number): Rounded {
  const inf = infinity(spec);
  const maxBits = inf - 1n;
  // Largest finite encoding whose value is <= |exact| (encodings are monotone in magnitude).
  let lo = 0n;
  let hi = maxBits;
  while (lo < hi) {
    const mid = (lo + hi + 1n) >> 1n;
    if (cmp(valueOf(spec, mid)) <= 0) lo = mid;
    else hi = mid - 1n;
  }
  const below = lo;
  const sign = negative ? signBit(spec) : 0n;
  if (cmp(valueOf(spec, below)) === 0) return { bits: sign | below, flags: 0 };

  const emax = bias(spec);
  const emin = 1 - bias(spec);
  const p = spec.fractionBits + 1;
  const lowValue = valueOf(spec, below);
  const highValue = below === maxBits ? pow2(emax + 1) : valueOf(spec, below + 1n);
  const towardZero = rm === 1 || (rm === 2 && !negative) || (rm === 3 && negative);
  const awayDirected = (rm === 3 && !negative) || (rm === 2 && negative);

  const nearestUp = (l: Rational, h: Rational, lowOdd: boolean): boolean => {
    const c = cmp({ n: l.n * h.d + h.n * l.d, d: 2n * l.d * h.d });
    if (c !== 0) return c < 0;
    return rm === 4 || lowOdd;
  };

  let up: boolean;
  if (towardZero) up = false;
  else if (awayDirected) up = true;
  else up = nearestUp(lowValue, highValue, (below & 1n) === 1n);
  const resultBits = up ? below + 1n : below;

  let flags = NX;
  let overflow: boolean;
  if (towardZero) overflow = cmp(pow2(emax + 1)) <= 0;
  else if (awayDirected) overflow = below === maxBits;
  else overflow = resultBits === inf;
  if (overflow) flags |= OF;

  // Tininess after rounding: would rounding to p bits with unbounded exponent give < 2^emin?
  let tiny: boolean;
  if (cmp(pow2(emin)) <= 0) tiny = false;
  else if (cmp(pow2(emin - 1)) > 0) tiny = true;
  else {
    const grid = pow2(emin - p);
    const lastBelow = addRational(pow2(emin), negRational(grid));
    if (cmp(lastBelow) >= 0) tiny = true;
    else if (towardZero) tiny = true;
    else if (awayDirected) tiny = false;
    else tiny = !nearestUp(lastBelow, pow2(emin), true);
  }
  if (tiny) flags |= UF;
  return { bits: sign | resultBits, flags };
}

/** Correct rounding of a non-zero rational. */
export function roundRational(spec: Spec, v: Rational, rm: number): Rounded {
  const negative = v.n < 0n;
  return roundExact(spec, negative, comparatorFor(negative ? negRational(v) : v), rm);
}

/** IEEE 754-2008 §5.8 convertToInteger with RISC-V saturation (unpriv spec §11.7). */
export function roundToInteger(
  v: Rational,
  rm: number,
  min: bigint,
  max: bigint,
): { value: bigint; flags: number } {
  const negative = v.n < 0n;
  const mag = negative ? -v.n : v.n;
  const floor = mag / v.d;
  const rest = mag - floor * v.d;
  let magnitude = floor;
  if (rest !== 0n) {
    const twice = 2n * rest;
    let up: boolean;
    if (rm === 1) up = false;
    else if (rm === 2) up = negative;
    else if (rm === 3) up = !negative;
    else if (twice !== v.d) up = twice > v.d;
    else up = rm === 4 || (floor & 1n) === 1n;
    if (up) magnitude += 1n;
  }
  const value = negative ? -magnitude : magnitude;
  if (value < min) return { value: min, flags: 16 };
  if (value > max) return { value: max, flags: 16 };
  return { value, flags: rest !== 0n ? NX : 0 };
}
