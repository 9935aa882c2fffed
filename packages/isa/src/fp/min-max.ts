import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { orderKey } from './compare.js';
import { nanResult } from './nan.js';
import { isNaNClass, unpack } from './unpacked.js';

/**
 * FMIN / FMAX (unpriv spec §11.6, §12.4): IEEE 754-2019 minimumNumber / maximumNumber (§9.6),
 * which RISC-V adopted in F 2.2 in place of IEEE 754-2008 minNum/maxNum. -0 is less than +0;
 * a single NaN operand is ignored; two NaNs give the canonical NaN; any signaling NaN raises NV
 * even when the result is a number.
 */
export function minMax(format: FloatFormat, x: bigint, y: bigint, max: boolean, env: FpEnv): bigint {
  const a = unpack(format, x);
  const b = unpack(format, y);
  const aNaN = isNaNClass(a.cls);
  const bNaN = isNaNClass(b.cls);
  if (aNaN || bNaN) {
    const result = nanResult(format, env, a, b); // raises NV for sNaN operands
    if (aNaN && bNaN) return result;
    return aNaN ? y : x;
  }
  const xBelowY = orderKey(format, x, false) < orderKey(format, y, false);
  return xBelowY === max ? y : x;
}
