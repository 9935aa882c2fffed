import type { FloatFormat } from './format.js';

export const FSGNJ = 0;
export const FSGNJN = 1;
export const FSGNJX = 2;

/**
 * FSGNJ / FSGNJN / FSGNJX (unpriv spec §11.6, §12.4): the result is x with its sign bit taken
 * from y, from the inverse of y's, or from the XOR of both. These are bit manipulations: no
 * flags, no NaN canonicalization (IEEE 754-2008 §5.5.1 copySign, negate, abs).
 */
export function signInject(format: FloatFormat, x: bigint, y: bigint, kind: number): bigint {
  const ySign = y & format.signBit;
  let sign: bigint;
  if (kind === FSGNJ) sign = ySign;
  else if (kind === FSGNJN) sign = ySign ^ format.signBit;
  else sign = (x & format.signBit) ^ ySign;
  return (x & ~format.signBit & format.mask) | sign;
}
