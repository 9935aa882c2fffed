import type { FpEnv } from './env.js';
import type { FloatFormat } from './format.js';
import { roundSum } from './add.js';
import { invalidResult, nanResult } from './nan.js';
import { INFINITY, ZERO, infinityBits, isNaNClass, unpack } from './unpacked.js';

/**
 * The fused multiply-add family (unpriv spec §11.6, §12.4; IEEE 754-2008 §5.4.1
 * fusedMultiplyAdd): computes (±(x * y)) ± z with a single rounding.
 *   FMADD  =   x*y + z      FMSUB  =   x*y - z
 *   FNMSUB = -(x*y) + z     FNMADD = -(x*y) - z
 * The product of the significands is exact, so the whole computation is exact until roundSum.
 */
export function fusedMultiplyAdd(
  format: FloatFormat,
  x: bigint,
  y: bigint,
  z: bigint,
  negateProduct: boolean,
  negateAddend: boolean,
  env: FpEnv,
): bigint {
  const a = unpack(format, x);
  const b = unpack(format, y);
  const c = unpack(format, z);
  // §11.6: inf * 0 must raise NV even when the addend is a quiet NaN (IEEE leaves it optional).
  if ((a.cls === INFINITY && b.cls === ZERO) || (a.cls === ZERO && b.cls === INFINITY)) {
    nanResult(format, env, c);
    return invalidResult(format, env);
  }
  if (isNaNClass(a.cls) || isNaNClass(b.cls) || isNaNClass(c.cls)) {
    return nanResult(format, env, a, b, c);
  }
  const productNegative = a.negative !== b.negative !== negateProduct;
  const addendNegative = c.negative !== negateAddend;
  if (a.cls === INFINITY || b.cls === INFINITY) {
    // §7.2: inf - inf in the addition step is invalid.
    if (c.cls === INFINITY && productNegative !== addendNegative) return invalidResult(format, env);
    return infinityBits(format, productNegative);
  }
  if (c.cls === INFINITY) return infinityBits(format, addendNegative);
  const productSig = a.cls === ZERO || b.cls === ZERO ? 0n : a.sig * b.sig;
  return roundSum(
    format,
    productNegative,
    a.exp + b.exp,
    productSig,
    addendNegative,
    c.exp,
    c.sig,
    env,
  );
}
