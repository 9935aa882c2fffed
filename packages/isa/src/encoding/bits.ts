/** Bit-slicing helpers for instruction words (always treated as unsigned 32-bit). */

/** Bits hi..lo of `word`, right-aligned. */
export function bitsOf(word: number, hi: number, lo: number): number {
  return ((word >>> lo) & ((2 ** (hi - lo + 1)) - 1)) >>> 0;
}

/** A mask with bits hi..lo set. */
export function maskOf(hi: number, lo: number): number {
  return (((2 ** (hi - lo + 1)) - 1) * 2 ** lo) >>> 0;
}

/** Sign-extend the low `width` bits of `value`. */
export function signExtend(value: number, width: number): number {
  const shift = 32 - width;
  return (value << shift) >> shift;
}

/** Number of set bits. */
export function popcount(word: number): number {
  let n = 0;
  for (let w = word >>> 0; w !== 0; w = (w & (w - 1)) >>> 0) n++;
  return n;
}
