import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { invalidResult, nanResult } from './nan.js';
import { roundPack } from './round-pack.js';
import { INFINITY, ZERO, infinityBits, isNaNClass, unpack, zeroBits } from './unpacked.js';

/** FMUL (unpriv spec §11.6, §12.4; IEEE 754-2008 §5.4.1 multiplication). */
export function multiply(format: FloatFormat, x: bigint, y: bigint, env: FpEnv): bigint {
  const a = unpack(format, x);
  const b = unpack(format, y);
  if (isNaNClass(a.cls) || isNaNClass(b.cls)) return nanResult(format, env, a, b);
  const negative = a.negative !== b.negative; // §6.3: sign is the XOR of the operand signs
  if (a.cls === INFINITY || b.cls === INFINITY) {
    // §7.2: 0 * inf is invalid.
    if (a.cls === ZERO || b.cls === ZERO) return invalidResult(format, env);
    return infinityBits(format, negative);
  }
  if (a.cls === ZERO || b.cls === ZERO) return zeroBits(format, negative);
  // The integer product of the significands is exact; round it once.
  return roundPack(format, negative, a.exp + b.exp, a.sig * b.sig, env);
}
