import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { bitLength } from './bigint-math.js';
import { FLAG_DZ } from './flags.js';
import { invalidResult, nanResult } from './nan.js';
import { roundPack } from './round-pack.js';
import { INFINITY, ZERO, infinityBits, isNaNClass, unpack, zeroBits } from './unpacked.js';

/** FDIV (unpriv spec §11.6, §12.4; IEEE 754-2008 §5.4.1 division). */
export function divide(format: FloatFormat, x: bigint, y: bigint, env: FpEnv): bigint {
  const a = unpack(format, x);
  const b = unpack(format, y);
  if (isNaNClass(a.cls) || isNaNClass(b.cls)) return nanResult(format, env, a, b);
  const negative = a.negative !== b.negative;
  if (a.cls === INFINITY) {
    if (b.cls === INFINITY) return invalidResult(format, env); // §7.2 inf / inf
    return infinityBits(format, negative);
  }
  if (b.cls === INFINITY) return zeroBits(format, negative);
  if (b.cls === ZERO) {
    if (a.cls === ZERO) return invalidResult(format, env); // §7.2 0 / 0
    env.flags |= FLAG_DZ; // §7.3: finite non-zero / 0 gives an exact infinity
    return infinityBits(format, negative);
  }
  if (a.cls === ZERO) return zeroBits(format, negative);

  // Scale the dividend so the integer quotient has at least p + 2 bits, then fold the
  // remainder into a sticky bit below the rounding position (see roundPack).
  const p = format.precision;
  const shift = Math.max(0, p + 2 + bitLength(b.sig) - bitLength(a.sig));
  const dividend = a.sig << BigInt(shift);
  const quotient = dividend / b.sig;
  const exp = a.exp - b.exp - shift;
  if (quotient * b.sig === dividend) return roundPack(format, negative, exp, quotient, env);
  return roundPack(format, negative, exp - 1, (quotient << 1n) | 1n, env);
}
