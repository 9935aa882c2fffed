import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { invalidResult, nanResult } from './nan.js';
import { RDN } from './rounding-mode.js';
import { roundPack } from './round-pack.js';
import { INFINITY, ZERO, isNaNClass, unpack, zeroBits } from './unpacked.js';
import { infinityBits } from './unpacked.js';

/**
 * Rounds the exact sum of two finite terms (-1)^an * as * 2^ae + (-1)^bn * bs * 2^be.
 * Shared by FADD/FSUB and the fused multiply-add, whose product term is exact.
 *
 * Zero results follow IEEE 754-2008 §6.3: an exact zero sum of opposite-signed operands is +0
 * except under roundTowardNegative (RDN) where it is -0; x + x keeps the sign of x even when
 * x is zero (so -0 + -0 = -0).
 */
export function roundSum(
  format: FloatFormat,
  an: boolean,
  ae: number,
  as: bigint,
  bn: boolean,
  be: number,
  bs: bigint,
  env: FpEnv,
): bigint {
  if (as === 0n && bs === 0n) {
    return zeroBits(format, an === bn ? an : env.rm === RDN);
  }
  // Align both terms on the smaller exponent; the shifted sum is exact.
  const exp = Math.min(ae, be);
  const a = as << BigInt(ae - exp);
  const b = bs << BigInt(be - exp);
  const sum = (an ? -a : a) + (bn ? -b : b);
  if (sum === 0n) return zeroBits(format, env.rm === RDN);
  return sum < 0n ? roundPack(format, true, exp, -sum, env) : roundPack(format, false, exp, sum, env);
}

/** FADD / FSUB (unpriv spec §11.6, §12.4; IEEE 754-2008 §5.4.1 addition, subtraction). */
export function add(format: FloatFormat, x: bigint, y: bigint, subtract: boolean, env: FpEnv): bigint {
  const a = unpack(format, x);
  const b = unpack(format, y);
  if (isNaNClass(a.cls) || isNaNClass(b.cls)) return nanResult(format, env, a, b);
  const bNegative = b.negative !== subtract;
  if (a.cls === INFINITY) {
    // §7.2: magnitude subtraction of infinities is invalid.
    if (b.cls === INFINITY && a.negative !== bNegative) return invalidResult(format, env);
    return infinityBits(format, a.negative);
  }
  if (b.cls === INFINITY) return infinityBits(format, bNegative);
  if (a.cls === ZERO && b.cls === ZERO) {
    return roundSum(format, a.negative, 0, 0n, bNegative, 0, 0n, env);
  }
  return roundSum(format, a.negative, a.exp, a.sig, bNegative, b.exp, b.sig, env);
}
