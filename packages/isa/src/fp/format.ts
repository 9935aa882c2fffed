/**
 * IEEE 754-2008 binary interchange formats (§3.4) used by RV64GC: binary32 ("S", unpriv spec
 * chapter 11) and binary64 ("D", chapter 12). Values travel through the soft-float core as raw
 * encodings in a bigint (the low `width` bits).
 */
export interface FloatFormat {
  readonly name: 'S' | 'D';
  /** Encoding width k in bits. */
  readonly width: number;
  /** Exponent field width w. */
  readonly exponentBits: number;
  /** Trailing significand field width t = p - 1. */
  readonly fractionBits: number;
  /** Precision p in bits, including the implicit leading bit. */
  readonly precision: number;
  readonly bias: number;
  /** Smallest normal exponent emin = 1 - bias. */
  readonly emin: number;
  /** Largest finite exponent emax = bias. */
  readonly emax: number;
  /** All-ones biased exponent, reserved for infinities and NaNs. */
  readonly exponentMax: number;
  readonly fractionMask: bigint;
  readonly signBit: bigint;
  /** Value of the implicit leading significand bit, 2^(p-1). */
  readonly hiddenBit: bigint;
  /** Most significant fraction bit: set for quiet NaNs (IEEE 754-2008 §6.2.1). */
  readonly quietBit: bigint;
  readonly mask: bigint;
  readonly positiveInfinity: bigint;
  readonly maxFinite: bigint;
  /** RISC-V canonical NaN: positive, quiet, zero payload (unpriv spec §11.3). */
  readonly canonicalNaN: bigint;
}

function makeFormat(name: 'S' | 'D', width: number, exponentBits: number): FloatFormat {
  const fractionBits = width - 1 - exponentBits;
  const bias = (1 << (exponentBits - 1)) - 1;
  const exponentMax = (1 << exponentBits) - 1;
  const t = BigInt(fractionBits);
  const positiveInfinity = BigInt(exponentMax) << t;
  return {
    name,
    width,
    exponentBits,
    fractionBits,
    precision: fractionBits + 1,
    bias,
    emin: 1 - bias,
    emax: bias,
    exponentMax,
    fractionMask: (1n << t) - 1n,
    signBit: 1n << BigInt(width - 1),
    hiddenBit: 1n << t,
    quietBit: 1n << (t - 1n),
    mask: (1n << BigInt(width)) - 1n,
    positiveInfinity,
    maxFinite: positiveInfinity - 1n,
    canonicalNaN: positiveInfinity | (1n << (t - 1n)),
  };
}

export const SINGLE: FloatFormat = makeFormat('S', 32, 8);
export const DOUBLE: FloatFormat = makeFormat('D', 64, 11);
