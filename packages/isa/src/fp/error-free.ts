/**
 * Error-free transformations of IEEE doubles (Knuth's TwoSum, Dekker's TwoProduct): the exact
 * rounding error of a sum or product computed on the host, which says exactly whether the RISC-V
 * result is inexact (fflags.NX). The host fast paths (native-double.ts, host-fast-path.ts) use
 * them; both keep operands within 2^-450..2^450, where TwoProduct is exact.
 */

/** Dekker's splitter for doubles: 2^27 + 1. */
const SPLIT = 134217729;

/** Rounding error of s = fl(a + b) (TwoSum): exact, zero iff the sum is. */
export function sumError(a: number, b: number, s: number): number {
  const bv = s - a;
  const av = s - bv;
  return a - av + (b - bv);
}

/** Rounding error of p = fl(a * b) (TwoProduct): exact in range, zero iff the product is. */
export function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}
