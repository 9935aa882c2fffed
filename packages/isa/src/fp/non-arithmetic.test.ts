/**
 * FMIN/FMAX, FEQ/FLT/FLE, FCLASS, FSGNJ* and FMV (unpriv spec §11.6-§11.9, §12.4-§12.7).
 */
import { describe, expect, it } from 'vitest';
import type { CompareOp, Fmt } from './test-support/encode.js';
import { fclass, fcmp, fminmax, fmvFromInt, fmvToInt, fsgnj } from './test-support/encode.js';
import { D, NV, S } from './test-support/constants.js';
import { BOX, machine, run } from './test-support/machine.js';

const load = (fmt: Fmt, v: bigint): bigint => (fmt === 'S' ? BOX | v : v);

function exec(fmt: Fmt, insn: number, a: bigint, b = 0n): { f: bigint; x: bigint; flags: number } {
  const m = machine();
  m.fp.f[1] = load(fmt, a);
  m.fp.f[2] = load(fmt, b);
  expect(run(m, insn)).toBe(true);
  return { f: m.fp.f[3], x: m.x[3], flags: m.fp.fflags };
}

describe('FMIN / FMAX: IEEE 754-2019 minimumNumber / maximumNumber', () => {
  it.each<[Fmt, bigint, bigint, bigint, bigint, number]>([
    // [fmt, a, b, min, max, flags]
    ['S', S.ZERO, S.NEG_ZERO, S.NEG_ZERO, S.ZERO, 0], // -0 < +0 in both orders
    ['S', S.NEG_ZERO, S.ZERO, S.NEG_ZERO, S.ZERO, 0],
    ['D', D.NEG_ZERO, D.ZERO, D.NEG_ZERO, D.ZERO, 0],
    ['D', D.ONE, D.TWO, D.ONE, D.TWO, 0],
    ['D', D.NEG_ONE, D.NEG_INF, D.NEG_INF, D.NEG_ONE, 0],
    ['S', S.QNAN, S.ONE, S.ONE, S.ONE, 0], // one NaN: the number wins
    ['S', S.NEG_ONE, S.NEG_QNAN_PAYLOAD, S.NEG_ONE, S.NEG_ONE, 0],
    ['S', S.SNAN, S.ONE, S.ONE, S.ONE, NV], // sNaN still raises NV
    ['D', D.TWO, D.SNAN, D.TWO, D.TWO, NV],
    ['D', D.QNAN_PAYLOAD, D.QNAN_PAYLOAD, D.QNAN, D.QNAN, 0], // two NaNs: canonical NaN
    ['S', S.SNAN, S.NEG_QNAN_PAYLOAD, S.QNAN, S.QNAN, NV],
    ['S', S.MIN_SUBNORMAL, S.NEG_ZERO, S.NEG_ZERO, S.MIN_SUBNORMAL, 0],
  ])('%s %s %s', (fmt, a, b, min, max, flags) => {
    const lo = exec(fmt, fminmax(false, fmt, 3, 1, 2), a, b);
    const hi = exec(fmt, fminmax(true, fmt, 3, 1, 2), a, b);
    expect([lo.f, hi.f, lo.flags, hi.flags]).toEqual([load(fmt, min), load(fmt, max), flags, flags]);
  });
});

describe('FEQ (quiet) / FLT / FLE (signaling)', () => {
  it.each<[CompareOp, Fmt, bigint, bigint, bigint, number]>([
    ['feq', 'S', S.ZERO, S.NEG_ZERO, 1n, 0],
    ['fle', 'S', S.NEG_ZERO, S.ZERO, 1n, 0],
    ['flt', 'S', S.NEG_ZERO, S.ZERO, 0n, 0],
    ['flt', 'D', D.NEG_INF, D.NEG_MAX, 1n, 0],
    ['fle', 'D', D.TWO, D.ONE, 0n, 0],
    ['feq', 'D', D.ONE, D.ONE, 1n, 0],
    ['feq', 'D', D.QNAN, D.QNAN, 0n, 0], // quiet: no NV for qNaN
    ['feq', 'S', S.SNAN, S.ONE, 0n, NV],
    ['flt', 'S', S.QNAN, S.ONE, 0n, NV], // signaling: NV for any NaN
    ['fle', 'D', D.ONE, D.QNAN_PAYLOAD, 0n, NV],
    ['fle', 'D', D.SNAN, D.SNAN, 0n, NV],
  ])('%s.%s %s %s', (op, fmt, a, b, result, flags) => {
    const r = exec(fmt, fcmp(op, fmt, 3, 1, 2), a, b);
    expect([r.x, r.flags]).toEqual([result, flags]);
  });
});

describe('FCLASS', () => {
  it.each<[Fmt, bigint, number]>([
    ['S', S.NEG_INF, 0],
    ['S', S.NEG_ONE, 1],
    ['S', 0x8000_0001n, 2],
    ['S', S.NEG_ZERO, 3],
    ['S', S.ZERO, 4],
    ['S', S.MAX_SUBNORMAL, 5],
    ['S', S.MAX, 6],
    ['S', S.INF, 7],
    ['S', S.SNAN, 8],
    ['S', S.QNAN, 9],
    ['D', D.NEG_INF, 0],
    ['D', D.NEG_MAX, 1],
    ['D', 0x800f_ffff_ffff_ffffn, 2],
    ['D', D.NEG_ZERO, 3],
    ['D', D.ZERO, 4],
    ['D', D.MIN_SUBNORMAL, 5],
    ['D', D.MIN_NORMAL, 6],
    ['D', D.INF, 7],
    ['D', 0xfff4_0000_0000_0000n, 8],
    ['D', 0xfff8_0000_0000_0001n, 9],
  ])('FCLASS.%s %s -> bit %s', (fmt, a, bit) => {
    const r = exec(fmt, fclass(fmt, 3, 1), a);
    expect([r.x, r.flags]).toEqual([1n << BigInt(bit), 0]);
  });
});

describe('FSGNJ / FSGNJN / FSGNJX', () => {
  it.each<[0 | 1 | 2, Fmt, bigint, bigint, bigint]>([
    [0, 'S', S.ONE, S.NEG_ZERO, S.NEG_ONE],
    [1, 'S', S.ONE, S.NEG_ZERO, S.ONE],
    [2, 'S', S.NEG_ONE, S.NEG_ZERO, S.ONE],
    [2, 'S', S.NEG_ONE, S.ZERO, S.NEG_ONE],
    [0, 'D', D.SNAN, D.NEG_ONE, D.SNAN | D.NEG_ZERO], // pure bit operation: NaNs pass through
    [1, 'D', D.QNAN_PAYLOAD, D.QNAN_PAYLOAD, D.QNAN_PAYLOAD | D.NEG_ZERO],
    [2, 'D', D.NEG_INF, D.NEG_ONE, D.INF],
  ])('kind %s .%s', (kind, fmt, a, b, result) => {
    const r = exec(fmt, fsgnj(kind, fmt, 3, 1, 2), a, b);
    expect([r.f, r.flags]).toEqual([load(fmt, result), 0]);
  });
  it('FSGNJ.S of an sNaN raises nothing', () => {
    expect(exec('S', fsgnj(0, 'S', 3, 1, 2), S.SNAN, S.SNAN).flags).toBe(0);
  });
});

describe('FMV transfers', () => {
  it('FMV.X.W sign-extends bits 31..0 and ignores NaN-boxing', () => {
    const m = machine();
    m.fp.f[1] = 0x0000_0000_8000_0001n; // improperly boxed: still transferred verbatim
    expect(run(m, fmvToInt('S', 5, 1))).toBe(true);
    expect(m.x[5]).toBe(0xffff_ffff_8000_0001n);
    m.fp.f[1] = BOX | 0x7f80_0001n;
    run(m, fmvToInt('S', 5, 1));
    expect(m.x[5]).toBe(0x7f80_0001n);
    expect(m.fp.fflags).toBe(0);
  });
  it('FMV.W.X NaN-boxes the low 32 bits; FMV.X.D / FMV.D.X move 64 bits', () => {
    const m = machine();
    m.x[5] = 0x1234_5678_7f80_0001n;
    run(m, fmvFromInt('S', 3, 5));
    expect(m.fp.f[3]).toBe(0xffff_ffff_7f80_0001n);
    run(m, fmvFromInt('D', 4, 5));
    expect(m.fp.f[4]).toBe(0x1234_5678_7f80_0001n);
    m.fp.f[6] = D.SNAN | D.NEG_ZERO;
    run(m, fmvToInt('D', 7, 6));
    expect(m.x[7]).toBe(0xfff0_0000_0000_0001n);
    expect(m.fp.fflags).toBe(0);
  });
});
