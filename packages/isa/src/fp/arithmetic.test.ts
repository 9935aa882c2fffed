/** Table-driven FADD/FSUB/FMUL/FDIV/FSQRT cases (unpriv spec §11.6, §12.4; IEEE 754-2008). */
import { describe, expect, it } from 'vitest';
import type { BinaryOp, Fmt } from './test-support/encode.js';
import { D, DZ, NV, NX, OF, RDN, RMM, RNE, RTZ, RUP, S, UF } from './test-support/constants.js';
import { fpBinary, fpSqrt } from './test-support/ops.js';

const hex = (v: bigint): string => `0x${v.toString(16)}`;
type Row = [BinaryOp, Fmt, bigint, bigint, number, bigint, number];

function check([op, fmt, a, b, rm, bits, flags]: Row): void {
  const r = fpBinary(op, fmt, a, b, rm);
  expect({ bits: hex(r.bits), flags: r.flags }).toEqual({ bits: hex(bits), flags });
}

/** Expand one operation over the five modes: results listed as [RNE, RTZ, RDN, RUP, RMM]. */
function perMode(op: BinaryOp, fmt: Fmt, a: bigint, b: bigint, results: bigint[], flags: number | number[]): Row[] {
  return results.map((bits, rm) => [op, fmt, a, b, rm, bits, typeof flags === 'number' ? flags : flags[rm]]);
}

describe('rounding modes (IEEE 754-2008 §4.3)', () => {
  it.each<Row>([
    // 1 + 2^-24 is exactly half an ulp of 1.0f: a tie.
    ...perMode('fadd', 'S', S.ONE, 0x3380_0000n, [S.ONE, S.ONE, S.ONE, 0x3f80_0001n, 0x3f80_0001n], NX),
    // 1 + 1.5 * 2^-24: above the tie.
    ...perMode('fadd', 'S', S.ONE, 0x33c0_0000n, [0x3f80_0001n, S.ONE, S.ONE, 0x3f80_0001n, 0x3f80_0001n], NX),
    // -1 - 2^-24: directed modes follow the sign.
    ...perMode('fadd', 'S', S.NEG_ONE, 0xb380_0000n, [S.NEG_ONE, S.NEG_ONE, 0xbf80_0001n, S.NEG_ONE, 0xbf80_0001n], NX),
    // (1 + 2^-23) + 2^-24: tie with an odd lower neighbour, RNE goes up to even.
    ...perMode('fadd', 'S', 0x3f80_0001n, 0x3380_0000n, [0x3f80_0002n, 0x3f80_0001n, 0x3f80_0001n, 0x3f80_0002n, 0x3f80_0002n], NX),
    // 1/3 and -1/3 in double.
    ...perMode('fdiv', 'D', D.ONE, D.THREE, [0x3fd5_5555_5555_5555n, 0x3fd5_5555_5555_5555n, 0x3fd5_5555_5555_5555n, 0x3fd5_5555_5555_5556n, 0x3fd5_5555_5555_5555n], NX),
    ...perMode('fdiv', 'D', D.NEG_ONE, D.THREE, [0xbfd5_5555_5555_5555n, 0xbfd5_5555_5555_5555n, 0xbfd5_5555_5555_5556n, 0xbfd5_5555_5555_5555n, 0xbfd5_5555_5555_5555n], NX),
    // (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46.
    ...perMode('fmul', 'S', 0x3f80_0001n, 0x3f80_0001n, [0x3f80_0002n, 0x3f80_0002n, 0x3f80_0002n, 0x3f80_0003n, 0x3f80_0002n], NX),
    // Exact results raise nothing in any mode.
    ...perMode('fmul', 'D', D.TWO, D.THREE, Array<bigint>(5).fill(0x4018_0000_0000_0000n), 0),
  ])('%s.%s %s %s rm=%s', (...row) => check(row));

  it.each([
    [RNE, 0x3ff6_a09e_667f_3bcdn],
    [RTZ, 0x3ff6_a09e_667f_3bccn],
    [RDN, 0x3ff6_a09e_667f_3bccn],
    [RUP, 0x3ff6_a09e_667f_3bcdn],
    [RMM, 0x3ff6_a09e_667f_3bcdn],
  ])('fsqrt.d 2 rm=%i', (rm, bits) => {
    expect(fpSqrt('D', D.TWO, rm)).toEqual({ bits, flags: NX });
  });
});

describe('overflow (IEEE 754-2008 §7.4): infinity or max finite per rounding mode', () => {
  it.each<Row>([
    ...perMode('fmul', 'S', S.MAX, S.TWO, [S.INF, S.MAX, S.MAX, S.INF, S.INF], OF | NX),
    ...perMode('fmul', 'S', S.NEG_MAX, S.TWO, [S.NEG_INF, S.NEG_MAX, S.NEG_INF, S.NEG_MAX, S.NEG_INF], OF | NX),
    ...perMode('fadd', 'D', D.MAX, D.MAX, [D.INF, D.MAX, D.MAX, D.INF, D.INF], OF | NX),
    ...perMode('fdiv', 'D', D.NEG_MAX, D.HALF, [D.NEG_INF, D.NEG_MAX, D.NEG_INF, D.NEG_MAX, D.NEG_INF], OF | NX),
    // MAX + half an ulp of MAX: ties to even (infinity) under RNE, away under RMM; RUP overflows too.
    ...perMode('fadd', 'S', S.MAX, 0x7300_0000n, [S.INF, S.MAX, S.MAX, S.INF, S.INF], [OF | NX, NX, NX, OF | NX, OF | NX]),
    // MAX + just under half an ulp stays finite except under RUP.
    ...perMode('fadd', 'S', S.MAX, 0x72ff_ffffn, [S.MAX, S.MAX, S.MAX, S.INF, S.MAX], [NX, NX, NX, OF | NX, NX]),
  ])('%s.%s %s %s rm=%s', (...row) => check(row));
});

describe('underflow (IEEE 754-2008 §7.5, tininess after rounding) and subnormals', () => {
  it.each<Row>([
    // 2^-150: exactly half the smallest subnormal.
    ...perMode('fmul', 'S', S.MIN_SUBNORMAL, S.HALF, [S.ZERO, S.ZERO, S.ZERO, S.MIN_SUBNORMAL, S.MIN_SUBNORMAL], UF | NX),
    ...perMode('fmul', 'S', S.MIN_SUBNORMAL | S.NEG_ZERO, S.HALF, [S.NEG_ZERO, S.NEG_ZERO, 0x8000_0001n, S.NEG_ZERO, 0x8000_0001n], UF | NX),
    // Exact subnormal results are tiny but not inexact: no UF.
    ...perMode('fmul', 'S', S.MIN_NORMAL, S.HALF, Array<bigint>(5).fill(0x0040_0000n), 0),
    ...perMode('fsub', 'D', D.MIN_NORMAL, 0x0010_0000_0000_0001n, Array<bigint>(5).fill(0x8000_0000_0000_0001n), 0),
    // (1 - 2^-24) * 2^-126 = 2^-126 - 2^-150: with unbounded exponent it is representable and
    // below 2^-126, so it is tiny even where the delivered result rounds up to MIN_NORMAL.
    ...perMode('fmul', 'S', 0x3f7f_ffffn, S.MIN_NORMAL, [S.MIN_NORMAL, S.MAX_SUBNORMAL, S.MAX_SUBNORMAL, S.MIN_NORMAL, S.MIN_NORMAL], UF | NX),
    // Subnormal operands are full citizens.
    ['fadd', 'S', S.MIN_SUBNORMAL, S.MAX_SUBNORMAL, RNE, S.MIN_NORMAL, 0],
    ['fdiv', 'D', D.MIN_SUBNORMAL, D.MIN_NORMAL, RNE, 0x3cb0_0000_0000_0000n, 0],
    ['fmul', 'D', D.MIN_SUBNORMAL, 0x4330_0000_0000_0000n, RNE, D.MIN_NORMAL, 0],
  ])('%s.%s %s %s rm=%s', (...row) => check(row));

  it('fsqrt of the smallest subnormal 2^-1074 is exactly 2^-537', () => {
    expect(fpSqrt('D', D.MIN_SUBNORMAL, RNE)).toEqual({ bits: 0x1e60_0000_0000_0000n, flags: 0 });
  });
});

describe('signed zero results (IEEE 754-2008 §6.3)', () => {
  it.each<Row>([
    ...perMode('fadd', 'S', S.ONE, S.NEG_ONE, [S.ZERO, S.ZERO, S.NEG_ZERO, S.ZERO, S.ZERO], 0),
    ...perMode('fsub', 'D', D.ONE, D.ONE, [D.ZERO, D.ZERO, D.NEG_ZERO, D.ZERO, D.ZERO], 0),
    ...perMode('fadd', 'D', D.ZERO, D.NEG_ZERO, [D.ZERO, D.ZERO, D.NEG_ZERO, D.ZERO, D.ZERO], 0),
    ...perMode('fadd', 'S', S.NEG_ZERO, S.NEG_ZERO, Array<bigint>(5).fill(S.NEG_ZERO), 0),
    ...perMode('fadd', 'S', S.ZERO, S.ZERO, Array<bigint>(5).fill(S.ZERO), 0),
    ...perMode('fsub', 'S', S.NEG_ZERO, S.ZERO, Array<bigint>(5).fill(S.NEG_ZERO), 0),
    ['fmul', 'D', D.NEG_ZERO, D.THREE, RNE, D.NEG_ZERO, 0],
    ['fmul', 'D', D.NEG_ZERO, D.NEG_ONE, RNE, D.ZERO, 0],
    ['fdiv', 'S', S.NEG_ZERO, S.ONE, RNE, S.NEG_ZERO, 0],
    ['fadd', 'S', S.NEG_ZERO, S.ONE, RDN, S.ONE, 0],
  ])('%s.%s %s %s rm=%s', (...row) => check(row));
});

describe('special operands: canonical NaN (§11.3), invalid (§7.2), division by zero (§7.3)', () => {
  it.each<Row>([
    ['fadd', 'D', D.QNAN_PAYLOAD, D.ONE, RNE, D.QNAN, 0],
    ['fadd', 'D', D.ONE, D.SNAN, RNE, D.QNAN, NV],
    ['fmul', 'S', S.NEG_QNAN_PAYLOAD, S.SNAN, RNE, S.QNAN, NV],
    ['fadd', 'S', S.INF, S.NEG_INF, RNE, S.QNAN, NV],
    ['fsub', 'D', D.INF, D.INF, RNE, D.QNAN, NV],
    ['fadd', 'D', D.INF, D.INF, RNE, D.INF, 0],
    ['fsub', 'S', S.ONE, S.INF, RNE, S.NEG_INF, 0],
    ['fmul', 'S', S.ZERO, S.INF, RNE, S.QNAN, NV],
    ['fmul', 'D', D.NEG_INF, D.TWO, RNE, D.NEG_INF, 0],
    ['fdiv', 'D', D.ZERO, D.NEG_ZERO, RNE, D.QNAN, NV],
    ['fdiv', 'S', S.INF, S.NEG_INF, RNE, S.QNAN, NV],
    ['fdiv', 'D', D.ONE, D.ZERO, RNE, D.INF, DZ],
    ['fdiv', 'D', D.NEG_ONE, D.ZERO, RNE, D.NEG_INF, DZ],
    ['fdiv', 'S', S.ONE, S.NEG_ZERO, RTZ, S.NEG_INF, DZ],
    ['fdiv', 'S', S.INF, S.ZERO, RNE, S.INF, 0],
    ['fdiv', 'D', D.QNAN, D.ZERO, RNE, D.QNAN, 0],
    ['fdiv', 'D', D.NEG_ONE, D.INF, RNE, D.NEG_ZERO, 0],
  ])('%s.%s %s %s rm=%s', (...row) => check(row));

  it.each<[Fmt, bigint, bigint, number]>([
    ['D', D.NEG_ONE, D.QNAN, NV],
    ['S', S.NEG_MAX, S.QNAN, NV],
    ['D', D.NEG_INF, D.QNAN, NV],
    ['D', D.NEG_ZERO, D.NEG_ZERO, 0],
    ['S', S.NEG_ZERO, S.NEG_ZERO, 0],
    ['S', S.ZERO, S.ZERO, 0],
    ['D', D.INF, D.INF, 0],
    ['D', D.QNAN_PAYLOAD, D.QNAN, 0],
    ['S', S.SNAN, S.QNAN, NV],
    ['S', 0x4080_0000n, S.TWO, 0],
    ['S', 0x8000_0001n, S.QNAN, NV], // negative subnormal
  ])('fsqrt.%s %s', (fmt, a, bits, flags) => {
    expect(fpSqrt(fmt, a, RNE)).toEqual({ bits, flags });
  });
});
