import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import type { IntegerFormat } from './integer-format.js';
import { FLAG_NV, FLAG_NX } from './flags.js';
import { roundToQuantum, roundedInexact } from './round-pack.js';
import { INFINITY, ZERO, isNaNClass, unpack } from './unpacked.js';

/**
 * FCVT.{W,WU,L,LU}.{S,D} (unpriv spec §11.7, §12.5; IEEE 754-2008 §5.8 convertToInteger):
 * rounds to an integer under env.rm, then clips out-of-range results and raises NV instead of
 * NX (Table "Domains of float-to-integer conversions"): NaN and too-large values give the
 * maximum, too-small values (including any negative result for an unsigned target) the minimum.
 * A value such as -0.3 that rounds to 0 is in range for the unsigned formats: result 0, NX only.
 * Returns the mathematical integer; the caller sign-extends 32-bit results.
 */
export function floatToInteger(
  format: FloatFormat,
  x: bigint,
  target: IntegerFormat,
  env: FpEnv,
): bigint {
  const a = unpack(format, x);
  if (isNaNClass(a.cls)) {
    env.flags |= FLAG_NV;
    return target.max;
  }
  if (a.cls === INFINITY) {
    env.flags |= FLAG_NV;
    return a.negative ? target.min : target.max;
  }
  if (a.cls === ZERO) return 0n;
  const magnitude = roundToQuantum(a.sig, a.exp, 0, a.negative, env.rm);
  const inexact = roundedInexact;
  const value = a.negative ? -magnitude : magnitude;
  if (value < target.min) {
    env.flags |= FLAG_NV;
    return target.min;
  }
  if (value > target.max) {
    env.flags |= FLAG_NV;
    return target.max;
  }
  if (inexact) env.flags |= FLAG_NX;
  return value;
}
