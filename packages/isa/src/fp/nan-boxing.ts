import type { FloatFormat } from './format.js';
import { SINGLE } from './format.js';

const BOX = 0xffff_ffff_0000_0000n;
const LOW32 = 0xffff_ffffn;

/**
 * Reads an operand of `format` from a raw 64-bit FP register. Narrower values live NaN-boxed
 * (unpriv spec §12.2): a single is valid only if bits 63..32 are all ones; otherwise it reads as
 * the canonical NaN. Only the transfer instructions (FMV.X.W, FSW) bypass this check.
 */
export function readOperand(f: BigUint64Array, r: number, format: FloatFormat): bigint {
  const raw = f[r];
  if (format !== SINGLE) return raw;
  return (raw & BOX) === BOX ? raw & LOW32 : SINGLE.canonicalNaN;
}

/** Writes a result of `format` to an FP register, NaN-boxing singles (unpriv spec §12.2). */
export function boxResult(format: FloatFormat, bits: bigint): bigint {
  return format === SINGLE ? BOX | bits : bits;
}
