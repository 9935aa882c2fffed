/**
 * 64-bit integer helpers over a register file viewed as int32 halves (`xw[2*r]` = low word,
 * `xw[2*r+1]` = high word, little-endian host). V8 compiles these to plain 32-bit machine
 * arithmetic; BigInt shifts, compares and conversions are far slower, so the hot path avoids them.
 */

/** xw[d..d+1] = (aLo,aHi) + (bLo,bHi) mod 2^64. */
export function add64(xw: Int32Array, d: number, aLo: number, aHi: number, bLo: number, bHi: number): void {
  const lo = (aLo >>> 0) + (bLo >>> 0);
  xw[d] = lo | 0;
  xw[d + 1] = (aHi + bHi + (lo > 0xffff_ffff ? 1 : 0)) | 0;
}

/** xw[d..d+1] = (aLo,aHi) - (bLo,bHi) mod 2^64. */
export function sub64(xw: Int32Array, d: number, aLo: number, aHi: number, bLo: number, bHi: number): void {
  const lo = (aLo >>> 0) - (bLo >>> 0);
  xw[d] = lo | 0;
  xw[d + 1] = (aHi - bHi - (lo < 0 ? 1 : 0)) | 0;
}

export function sll64(xw: Int32Array, d: number, lo: number, hi: number, sh: number): void {
  if (sh === 0) {
    xw[d] = lo;
    xw[d + 1] = hi;
  } else if (sh < 32) {
    xw[d] = lo << sh;
    xw[d + 1] = (hi << sh) | (lo >>> (32 - sh));
  } else {
    xw[d] = 0;
    xw[d + 1] = lo << (sh - 32);
  }
}

export function srl64(xw: Int32Array, d: number, lo: number, hi: number, sh: number): void {
  if (sh === 0) {
    xw[d] = lo;
    xw[d + 1] = hi;
  } else if (sh < 32) {
    xw[d] = (lo >>> sh) | (hi << (32 - sh));
    xw[d + 1] = hi >>> sh;
  } else {
    xw[d] = hi >>> (sh - 32);
    xw[d + 1] = 0;
  }
}

export function sra64(xw: Int32Array, d: number, lo: number, hi: number, sh: number): void {
  if (sh === 0) {
    xw[d] = lo;
    xw[d + 1] = hi;
  } else if (sh < 32) {
    xw[d] = (lo >>> sh) | (hi << (32 - sh));
    xw[d + 1] = hi >> sh;
  } else {
    xw[d] = hi >> (sh - 32);
    xw[d + 1] = hi >> 31;
  }
}

/** Signed (aHi:aLo) < (bHi:bLo). */
export function lt64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo >>> 0 < bLo >>> 0);
}

/** Unsigned (aHi:aLo) < (bHi:bLo). */
export function ltu64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi >>> 0 < bHi >>> 0 || (aHi === bHi && aLo >>> 0 < bLo >>> 0);
}

/**
 * One 64-bit scratch word seen as a bigint and as int32 halves: a conversion through it is one
 * typed-array store and two loads (or the reverse) where shifts and masks of bigints allocate
 * several (setPc: 7 ns against 70 ns, toBig: 12 ns against 30 ns, measured in Node 20).
 */
const scratch64 = new BigUint64Array(1);
/** The halves of the last `split` value: [low word, high word] (little-endian host). */
export const halves = new Int32Array(scratch64.buffer);

/** Put `v` mod 2^64 into `halves`. */
export function split(v: bigint): void {
  scratch64[0] = v;
}

/** The unsigned 64-bit bigint for a pair of halves. */
export function toBig(lo: number, hi: number): bigint {
  halves[0] = lo;
  halves[1] = hi;
  return scratch64[0]!;
}
