import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { nanResult } from './nan.js';
import { roundPack } from './round-pack.js';
import { INFINITY, ZERO, infinityBits, isNaNClass, unpack, zeroBits } from './unpacked.js';

/**
 * FCVT.S.D / FCVT.D.S (unpriv spec §12.5; IEEE 754-2008 §5.4.2 convertFormat). Narrowing rounds
 * under env.rm and can overflow, underflow or be inexact; widening is exact. NaNs become the
 * canonical NaN of the destination (RISC-V §11.3), with NV for a signaling NaN.
 */
export function convertFormat(from: FloatFormat, to: FloatFormat, x: bigint, env: FpEnv): bigint {
  const a = unpack(from, x);
  if (isNaNClass(a.cls)) return nanResult(to, env, a);
  if (a.cls === INFINITY) return infinityBits(to, a.negative);
  if (a.cls === ZERO) return zeroBits(to, a.negative);
  return roundPack(to, a.negative, a.exp, a.sig, env);
}
