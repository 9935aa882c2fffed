import type { FloatFormat } from './format.js';

/** IEEE 754-2008 §5.7.2 classes, coarsened to what the arithmetic needs (sign kept separately). */
export const ZERO = 0;
export const SUBNORMAL = 1;
export const NORMAL = 2;
export const INFINITY = 3;
export const QUIET_NAN = 4;
export const SIGNALING_NAN = 5;
export type FpClass = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * A decoded encoding. For finite values the magnitude is exactly `sig * 2^exp` (sig is an
 * integer, exp the weight of its least significant bit), which lets every operation work on
 * exact integers and round exactly once in roundPack.
 */
export interface Unpacked {
  cls: FpClass;
  negative: boolean;
  exp: number;
  sig: bigint;
}

/** Decodes a binary interchange encoding (IEEE 754-2008 §3.4) into class, sign and sig * 2^exp. */
export function unpack(format: FloatFormat, bits: bigint): Unpacked {
  const negative = (bits & format.signBit) !== 0n;
  const biased = Number((bits >> BigInt(format.fractionBits)) & BigInt(format.exponentMax));
  const fraction = bits & format.fractionMask;
  const lsbOfSubnormal = format.emin - format.fractionBits;
  if (biased === format.exponentMax) {
    if (fraction === 0n) return { cls: INFINITY, negative, exp: 0, sig: 0n };
    // §6.2.1: the leading fraction bit distinguishes quiet (1) from signaling (0) NaNs.
    const cls = (fraction & format.quietBit) !== 0n ? QUIET_NAN : SIGNALING_NAN;
    return { cls, negative, exp: 0, sig: 0n };
  }
  if (biased === 0) {
    if (fraction === 0n) return { cls: ZERO, negative, exp: lsbOfSubnormal, sig: 0n };
    return { cls: SUBNORMAL, negative, exp: lsbOfSubnormal, sig: fraction };
  }
  return {
    cls: NORMAL,
    negative,
    exp: biased - format.bias - format.fractionBits,
    sig: fraction | format.hiddenBit,
  };
}

export function isNaNClass(cls: FpClass): boolean {
  return cls === QUIET_NAN || cls === SIGNALING_NAN;
}

export function isFiniteNonZero(cls: FpClass): boolean {
  return cls === NORMAL || cls === SUBNORMAL;
}

/** Encodes a signed zero. */
export function zeroBits(format: FloatFormat, negative: boolean): bigint {
  return negative ? format.signBit : 0n;
}

/** Encodes a signed infinity. */
export function infinityBits(format: FloatFormat, negative: boolean): bigint {
  return negative ? format.signBit | format.positiveInfinity : format.positiveInfinity;
}
