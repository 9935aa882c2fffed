import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { bitLength, integerSqrt } from './bigint-math.js';
import { invalidResult, nanResult } from './nan.js';
import { roundPack } from './round-pack.js';
import { INFINITY, ZERO, isNaNClass, unpack } from './unpacked.js';

/**
 * FSQRT (unpriv spec §11.6, §12.4; IEEE 754-2008 §5.4.1 squareRoot): sqrt(-0) = -0, the root of
 * any other negative operand (including -inf) is invalid.
 */
export function squareRoot(format: FloatFormat, x: bigint, env: FpEnv): bigint {
  const a = unpack(format, x);
  if (isNaNClass(a.cls)) return nanResult(format, env, a);
  if (a.cls === ZERO) return x;
  if (a.negative) return invalidResult(format, env);
  if (a.cls === INFINITY) return x;

  // Shift the radicand by an even total exponent so its integer root has >= p + 2 bits, and
  // fold a non-zero remainder into a sticky bit (see roundPack).
  const p = format.precision;
  let shift = Math.max(0, 2 * (p + 2) - bitLength(a.sig) + 1);
  if (((a.exp - shift) & 1) !== 0) shift += 1;
  const radicand = a.sig << BigInt(shift);
  const root = integerSqrt(radicand);
  const exp = (a.exp - shift) / 2;
  if (root * root === radicand) return roundPack(format, false, exp, root, env);
  return roundPack(format, false, exp - 1, (root << 1n) | 1n, env);
}
