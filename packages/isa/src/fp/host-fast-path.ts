import type { FpState } from './state.js';
import { productError, sumError } from './error-free.js';
import { FLAG_NX } from './flags.js';
import { RNE, RTZ } from './rounding-mode.js';

/*
 * The common D-extension instructions on the host's binary64 arithmetic, with the exact result
 * and fflags of the soft-float core (QEMU's "hardfloat" idea: use the host FPU where it provably
 * gives the IEEE result, fall back otherwise). ECMAScript numbers are binary64 with + - * / and
 * Math.sqrt correctly rounded to nearest, ties to even (ECMA-262 6.1.6.1; IEEE 754-2008 4.3.1),
 * so under RNE a result is right whenever it can neither overflow nor be subnormal, and what
 * remains to decide is whether it is inexact (NX, the only flag such operands can raise):
 *  - operands are finite and 2^-450 <= |v| <= 2^450, or zero: sums are exact zero or at least
 *    2^-502, products, quotients and roots zero or within [2^-900, 2^900] (normal, finite);
 *  - a result's rounding error is exact in that range, so NX is decided exactly:
 *    TwoSum (Knuth) for a + b, TwoProduct (Dekker, Veltkamp splitting) for a * b, and for a / b
 *    and sqrt(a) the residual a - q*b (a - r*r), exact by Sterbenz's lemma since q*b ~ a;
 *  - the fused multiply-adds need one rounding of a*b + c, which the host has no instruction for:
 *    Boldo and Melquiond's emulation (IEEE Trans. Computers 57(4), 2008, "Emulation of FMA and
 *    correctly rounded sums: proved algorithms using rounding to odd", Algorithm 5):
 *    (uh, ul) = TwoProduct(a, b); (th, tl) = TwoSum(c, uh); v = RO(tl + ul); z = RN(th + v) is
 *    RN(a*b + c) without underflow. It is inexact unless tl + ul and th + v both are exact.
 * Anything else — other rounding modes, NaNs, infinities, zeros, subnormals, the S format, the
 * instructions not listed — returns false and goes to the soft-float core. Tested against it
 * (host-fast-path.test.ts).
 */

const LOW = 2 ** -450;
const HIGH = 2 ** 450;
const TWO53N = 2n ** 53n;
const TWO63 = 2 ** 63;
const TWO64 = 2 ** 64;
const TWO31 = 2 ** 31;
const TWO32 = 2 ** 32;

/** A double's bits, for round-to-odd's last-bit test and step. */
const scratch = new Float64Array(1);
const scratchWords = new Int32Array(scratch.buffer);
/** A single's bits. */
const single32 = new Float32Array(1);
const singleBits = new Int32Array(single32.buffer);
const LOW_S = 2 ** -60;
const HIGH_S = 2 ** 60;

function inRange(v: number): boolean {
  const m = Math.abs(v);
  return m >= LOW && m <= HIGH; // false for NaN, zero, infinities and subnormals too
}

/** In range, or a zero (±0): what the arithmetic below also takes exactly (x*0, x+0, 0/x). */
function inRangeOrZero(v: number): boolean {
  return v === 0 || inRange(v);
}

/**
 * x + y rounded to odd: the sum when exact, else whichever of its two neighbours around the
 * exact value has an odd last bit (`err` is the exact sum minus s, from sumError). `inexact` is
 * left for the caller to read from err.
 */
function roundToOdd(s: number, err: number): number {
  if (err === 0) return s;
  scratch[0] = s;
  if ((scratchWords[0]! & 1) !== 0) return s;
  // The other neighbour: one unit away from s toward the exact value. For s > 0 that is +1 on
  // the bits when err > 0; for s < 0 the magnitude grows when err < 0. (s is not zero here: a
  // zero sum is exact.)
  const away = (s > 0) === (err > 0);
  const lo = scratchWords[0]!;
  if (away) {
    scratchWords[0] = (lo + 1) | 0;
    if (lo === -1) scratchWords[1] = (scratchWords[1]! + 1) | 0;
  } else {
    scratchWords[0] = (lo - 1) | 0;
    if (lo === 0) scratchWords[1] = (scratchWords[1]! - 1) | 0;
  }
  return scratch[0]!;
}

/** rm of a rounding instruction: its field, or frm for DYN (7). */
function roundingMode(insn: number, fp: FpState): number {
  const rm = (insn >>> 12) & 7;
  return rm === 7 ? fp.frm : rm;
}

/**
 * Execute `insn` (OP-FP or a fused multiply-add) on the host when it is one of the cases above;
 * false when the soft-float core must (nothing is changed then). `fp.d` and `fp.w` view `fp.f`
 * as doubles and as int32 halves; without them this path is off.
 */
export function hostFastPath(insn: number, x: BigUint64Array, fp: FpState): boolean {
  const d = fp.d;
  const w = fp.w;
  if (d === undefined || w === undefined) return false;
  const fmt = (insn >>> 25) & 3;
  if (fmt === 0) return single(insn, x, fp, w);
  if (fmt !== 1) return false;
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const rs2 = (insn >>> 20) & 31;
  const op = insn & 0x7f;
  if (op !== 0x53) {
    // FMADD.D (0x43), FMSUB.D (0x47), FNMSUB.D (0x4b), FNMADD.D (0x4f): ±(a*b) ± c.
    if (roundingMode(insn, fp) !== RNE) return false;
    const a = d[rs1]!;
    const b = d[rs2]!;
    const c0 = d[insn >>> 27]!;
    // Zeros too (a running sum starts at 0, matrices hold zeros): with c = 0 the steps below give
    // RN(a*b), with a*b = 0 they give c; both zero is left to the core (the sign of an exact zero
    // sum, IEEE 754-2008 6.3).
    if (!inRangeOrZero(a) || !inRangeOrZero(b) || !inRangeOrZero(c0) || (c0 === 0 && (a === 0 || b === 0))) return false;
    const negProduct = op === 0x4b || op === 0x4f;
    const c = op === 0x47 || op === 0x4f ? -c0 : c0;
    const uh0 = a * b;
    const ul0 = productError(a, b, uh0);
    const uh = negProduct ? -uh0 : uh0;
    const ul = negProduct ? -ul0 : ul0;
    const th = c + uh;
    const tl = sumError(c, uh, th);
    const t = tl + ul;
    const terr = sumError(tl, ul, t);
    const v = roundToOdd(t, terr);
    const z = th + v;
    // z is normal or an exact zero: |th| >= 2^-502 unless c + uh cancels exactly, and then the
    // result is ul alone (|ul| >= 2^-1006 when not zero), exact. A zero z from th + v = 0
    // exactly takes the sign RNE gives (+0), as a*b + c does (IEEE 754-2008 6.3).
    if (z !== 0 && Math.abs(z) < 2 ** -1000) return false;
    if (terr !== 0 || sumError(th, v, z) !== 0) {
      // Inexact — but NX can be decided here only when the odd rounding did not hide bits.
      if (terr !== 0 && (fp.fflags & FLAG_NX) === 0) return false;
      fp.fflags |= FLAG_NX;
    }
    d[rd] = z;
    return true;
  }
  const funct5 = insn >>> 27;
  switch (funct5) {
    case 0x00: // FADD.D
    case 0x01: // FSUB.D
    case 0x02: // FMUL.D
    case 0x03: { // FDIV.D
      if (roundingMode(insn, fp) !== RNE) return false;
      const a = d[rs1]!;
      const b0 = d[rs2]!;
      // A zero operand gives an exact result (IEEE's signed zeros, as the host computes them),
      // except a zero divisor (DZ).
      if (!inRangeOrZero(a) || !(funct5 === 0x03 ? inRange(b0) : inRangeOrZero(b0))) return false;
      let r: number;
      let exact: boolean;
      if (funct5 === 0x02) {
        r = a * b0;
        exact = productError(a, b0, r) === 0;
      } else if (funct5 === 0x03) {
        r = a / b0;
        const p = r * b0;
        exact = a - p === productError(r, b0, p);
      } else {
        const b = funct5 === 0x01 ? -b0 : b0;
        r = a + b;
        exact = sumError(a, b, r) === 0;
      }
      if (!exact) fp.fflags |= FLAG_NX;
      d[rd] = r;
      return true;
    }
    case 0x0b: { // FSQRT.D
      if (rs2 !== 0 || roundingMode(insn, fp) !== RNE) return false;
      const a = d[rs1]!;
      if (!(a > 0 || a === 0) || !inRangeOrZero(a)) return false; // sqrt(±0) = ±0, exact
      const r = Math.sqrt(a);
      const p = r * r;
      if (a - p !== productError(r, r, p)) fp.fflags |= FLAG_NX;
      d[rd] = r;
      return true;
    }
    case 0x08: { // FCVT.D.S (rs2 = 0): exact for a boxed, non-NaN single (any legal rm)
      if (rs2 !== 0 || roundingMode(insn, fp) > 4) return false;
      const a = readSingle(w, rs1);
      if (a !== a) return false; // NaN (or not boxed): the core (NV for a signaling one)
      d[rd] = a;
      return true;
    }
    case 0x04: { // FSGNJ.D, FSGNJN.D, FSGNJX.D: bits only (a NaN's payload is kept)
      const f3 = (insn >>> 12) & 7;
      if (f3 > 2) return false;
      const hi = w[2 * rs1 + 1]!;
      const sign = f3 === 0 ? w[2 * rs2 + 1]! : f3 === 1 ? ~w[2 * rs2 + 1]! : hi ^ w[2 * rs2 + 1]!;
      w[2 * rd] = w[2 * rs1]!;
      w[2 * rd + 1] = (hi & 0x7fff_ffff) | (sign & ~0x7fff_ffff);
      return true;
    }
    case 0x14: { // FLE.D (0), FLT.D (1), FEQ.D (2) of ordered operands: no flags
      const f3 = (insn >>> 12) & 7;
      const a = d[rs1]!;
      const b = d[rs2]!;
      if (f3 > 2 || a !== a || b !== b) return false;
      const r = f3 === 0 ? a <= b : f3 === 1 ? a < b : a === b;
      if (rd !== 0) x[rd] = r ? 1n : 0n;
      return true;
    }
    case 0x18: { // FCVT.W.D (0), FCVT.WU.D (1), FCVT.L.D (2), FCVT.LU.D (3) in range
      const rm = roundingMode(insn, fp);
      const a = d[rs1]!;
      if (rs2 > 3 || (rm !== RTZ && rm !== RNE) || a !== a) return false;
      let t = Math.trunc(a);
      if (rm === RNE) {
        // Ties to even: Math.round rounds ties up; undo that for an odd result of a tie.
        t = Math.round(a);
        if (t - a === 0.5 && t % 2 !== 0) t -= 1;
      }
      const lo = rs2 === 0 ? -TWO31 : rs2 === 2 ? -TWO63 : 0;
      const hi = rs2 === 0 ? TWO31 : rs2 === 1 ? TWO32 : rs2 === 2 ? TWO63 : TWO64;
      if (!(t >= lo && t < hi)) return false; // out of range: NV and the saturated value
      if (t !== a) fp.fflags |= FLAG_NX;
      // unpriv spec 11.7: the 32-bit results (W and WU alike) are sign-extended on RV64.
      if (rd !== 0) x[rd] = rs2 === 1 ? BigInt.asUintN(64, BigInt(t | 0)) : BigInt.asUintN(64, BigInt(t));
      return true;
    }
    case 0x1a: { // FCVT.D.W (0), FCVT.D.WU (1), FCVT.D.L (2), FCVT.D.LU (3): exact ones
      // A reserved rm is illegal even where the result would be exact (the core says so).
      if (rs2 > 3 || roundingMode(insn, fp) > 4) return false;
      const v = x[rs1]!;
      let n: number;
      if (rs2 === 0) n = Number(BigInt.asIntN(32, v));
      else if (rs2 === 1) n = Number(v & 0xffff_ffffn);
      else {
        // Exact only within ±2^53 (decided on the integer: 2^53 + 1 converts to 2^53).
        const big = rs2 === 2 ? BigInt.asIntN(64, v) : v;
        if (big > TWO53N || big < -TWO53N) return false; // may round: the soft-float core
        n = Number(big);
      }
      d[rd] = n;
      return true;
    }
    case 0x1c: { // FMV.X.D (funct3 0); FCLASS.D goes to the core
      if (rs2 !== 0 || ((insn >>> 12) & 7) !== 0) return false;
      if (rd !== 0) x[rd] = fp.f[rs1]!;
      return true;
    }
    case 0x1e: { // FMV.D.X
      if (rs2 !== 0 || ((insn >>> 12) & 7) !== 0) return false;
      fp.f[rd] = x[rs1]!;
      return true;
    }
    default:
      return false;
  }
}

/** A NaN-boxed single's value (unpriv spec 12.2), or NaN when f register r is not boxed. */
function readSingle(w: Int32Array, r: number): number {
  if (w[2 * r + 1] !== -1) return NaN;
  singleBits[0] = w[2 * r]!;
  return single32[0]!;
}

/** Write a single result, NaN-boxed. */
function writeSingle(w: Int32Array, r: number, v: number): void {
  single32[0] = v;
  w[2 * r] = singleBits[0]!;
  w[2 * r + 1] = -1;
}

/** Zero, or 2^-60 <= |v| <= 2^60: products, quotients, roots and sums of such singles are zero or normal singles. */
function singleOk(v: number): boolean {
  const m = Math.abs(v);
  return v === 0 || (m >= LOW_S && m <= HIGH_S);
}

/**
 * The S format on the host, as the D one above. A single's + - * / and sqrt are the double result
 * rounded to single (Math.fround): double rounding is innocuous for these when 53 >= 2*24 + 2
 * (Figueroa, "When is double rounding innocuous?", SIGNUM 1995); NX from the double residuals,
 * exact for singles. The fused multiply-adds round a*b + c (a*b exact in a double) to odd in
 * double precision, then to single: correct, as rounding to odd in p + 2 or more bits then to
 * nearest in p is (Boldo and Melquiond, above). Operands must be NaN-boxed; FCVT.S.D and FCVT.D.S
 * convert in range; everything else goes to the soft-float core.
 */
function single(insn: number, x: BigUint64Array, fp: FpState, w: Int32Array): boolean {
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const rs2 = (insn >>> 20) & 31;
  const op = insn & 0x7f;
  if (op !== 0x53) {
    if (roundingMode(insn, fp) !== RNE) return false;
    const a = readSingle(w, rs1);
    const b = readSingle(w, rs2);
    const c0 = readSingle(w, insn >>> 27);
    if (!singleOk(a) || !singleOk(b) || !singleOk(c0) || (c0 === 0 && (a === 0 || b === 0))) return false;
    const p = (op === 0x4b || op === 0x4f ? -a : a) * b; // exact: 48 bits
    const c = op === 0x47 || op === 0x4f ? -c0 : c0;
    const s = p + c;
    const err = sumError(p, c, s);
    const r = Math.fround(roundToOdd(s, err));
    if (err !== 0 || r !== s) fp.fflags |= FLAG_NX;
    writeSingle(w, rd, r);
    return true;
  }
  const funct5 = insn >>> 27;
  switch (funct5) {
    case 0x00: // FADD.S
    case 0x01: // FSUB.S
    case 0x02: // FMUL.S
    case 0x03: { // FDIV.S
      if (roundingMode(insn, fp) !== RNE) return false;
      const a = readSingle(w, rs1);
      const b = readSingle(w, rs2);
      if (!singleOk(a) || !singleOk(b) || (funct5 === 0x03 && b === 0)) return false;
      let r: number;
      let exact: boolean;
      if (funct5 === 0x02) {
        const p = a * b; // exact
        r = Math.fround(p);
        exact = r === p;
      } else if (funct5 === 0x03) {
        r = Math.fround(a / b);
        exact = r * b === a; // r*b is exact in a double
      } else {
        const bb = funct5 === 0x01 ? -b : b;
        const sum = a + bb;
        r = Math.fround(sum);
        exact = sumError(a, bb, sum) === 0 && r === sum;
      }
      if (!exact) fp.fflags |= FLAG_NX;
      writeSingle(w, rd, r);
      return true;
    }
    case 0x0b: { // FSQRT.S
      if (rs2 !== 0 || roundingMode(insn, fp) !== RNE) return false;
      const a = readSingle(w, rs1);
      if (!(a >= 0) || !singleOk(a)) return false;
      const r = Math.fround(Math.sqrt(a));
      if (r * r !== a) fp.fflags |= FLAG_NX; // r*r is exact in a double
      writeSingle(w, rd, r);
      return true;
    }
    case 0x08: { // FCVT.S.D (rs2 = 1)
      if (rs2 !== 1 || roundingMode(insn, fp) !== RNE) return false;
      const a = fp.d![rs1]!;
      if (!(a === 0 || (Math.abs(a) >= 2 ** -120 && Math.abs(a) <= 2 ** 120))) return false;
      const r = Math.fround(a);
      if (r !== a) fp.fflags |= FLAG_NX;
      writeSingle(w, rd, r);
      return true;
    }
    case 0x14: { // FLE.S (0), FLT.S (1), FEQ.S (2) of ordered, boxed operands
      const f3 = (insn >>> 12) & 7;
      const a = readSingle(w, rs1);
      const b = readSingle(w, rs2);
      if (f3 > 2 || a !== a || b !== b) return false;
      const r = f3 === 0 ? a <= b : f3 === 1 ? a < b : a === b;
      if (rd !== 0) x[rd] = r ? 1n : 0n;
      return true;
    }
    case 0x1c: { // FMV.X.W (funct3 0): the low word, sign-extended, boxed or not
      if (rs2 !== 0 || ((insn >>> 12) & 7) !== 0) return false;
      if (rd !== 0) x[rd] = BigInt.asUintN(64, BigInt(w[2 * rs1]!));
      return true;
    }
    case 0x1e: { // FMV.W.X
      if (rs2 !== 0 || ((insn >>> 12) & 7) !== 0) return false;
      w[2 * rd] = Number(x[rs1]! & 0xffff_ffffn) | 0;
      w[2 * rd + 1] = -1;
      return true;
    }
    default:
      return false;
  }
}
