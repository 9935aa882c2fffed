import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { FLAG_NV } from './flags.js';
import { SIGNALING_NAN, isNaNClass, unpack } from './unpacked.js';

/**
 * A key whose integer order is the numeric order of non-NaN encodings. The magnitude bits of
 * an IEEE encoding are monotone in the magnitude (IEEE 754-2008 §3.4), so negating them for
 * negative values orders the whole line. With `zerosEqual` -0 and +0 share key 0 (comparisons,
 * §5.11); otherwise -0 sorts just below +0 (FMIN/FMAX, unpriv spec §11.6).
 */
export function orderKey(format: FloatFormat, bits: bigint, zerosEqual: boolean): bigint {
  const magnitude = bits & ~format.signBit & format.mask;
  if ((bits & format.signBit) === 0n) return magnitude;
  return zerosEqual ? -magnitude : -magnitude - 1n;
}

export const FEQ = 2;
export const FLT = 1;
export const FLE = 0;

/**
 * FEQ / FLT / FLE (unpriv spec §11.8, §12.6). FEQ is a quiet comparison: NV only for signaling
 * NaN operands. FLT and FLE are signaling comparisons (IEEE 754-2008 §5.11): NV for any NaN.
 * Any comparison involving a NaN is false and writes 0.
 */
export function compare(format: FloatFormat, x: bigint, y: bigint, kind: number, env: FpEnv): boolean {
  const a = unpack(format, x);
  const b = unpack(format, y);
  if (isNaNClass(a.cls) || isNaNClass(b.cls)) {
    if (kind !== FEQ || a.cls === SIGNALING_NAN || b.cls === SIGNALING_NAN) env.flags |= FLAG_NV;
    return false;
  }
  const ka = orderKey(format, x, true);
  const kb = orderKey(format, y, true);
  if (kind === FEQ) return ka === kb;
  return kind === FLT ? ka < kb : ka <= kb;
}
