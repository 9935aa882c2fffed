import { describe, expect, it } from 'vitest';
import * as E from './test-support/encode.js';
import { machine, runToWfi } from './test-support/machine.js';

const A0 = 10, A1 = 11, A2 = 12;
const u = (v: bigint): bigint => BigInt.asUintN(64, v);
const MIN = 1n << 63n;
const ONES = (1n << 64n) - 1n;

function one(insn: number, a1: bigint, a2: bigint): bigint {
  const m = machine([insn, E.WFI]);
  m.hart.x[A1] = u(a1);
  m.hart.x[A2] = u(a2);
  runToWfi(m);
  return m.hart.x[A0]!;
}

describe('M extension (unpriv spec ch. 7)', () => {
  const cases: [string, number, bigint, bigint, bigint][] = [
    ['mul low bits', E.mul(A0, A1, A2), -3n, 7n, u(-21n)],
    ['mulh signed', E.mulh(A0, A1, A2), -1n, -1n, 0n],
    ['mulh of MIN*MIN', E.mulh(A0, A1, A2), MIN, MIN, 1n << 62n],
    ['mulh negative product', E.mulh(A0, A1, A2), -2n, 3n, ONES],
    ['mulhsu', E.mulhsu(A0, A1, A2), -1n, ONES, ONES],
    ['mulhsu positive', E.mulhsu(A0, A1, A2), 2n, ONES, 1n],
    ['mulhu', E.mulhu(A0, A1, A2), ONES, ONES, ONES - 1n],
    ['div truncates toward zero', E.div(A0, A1, A2), -7n, 2n, u(-3n)],
    ['div by zero is all ones', E.div(A0, A1, A2), 5n, 0n, ONES],
    ['div overflow gives MIN', E.div(A0, A1, A2), MIN, -1n, MIN],
    ['divu', E.divu(A0, A1, A2), ONES, 2n, ONES >> 1n],
    ['divu by zero is all ones', E.divu(A0, A1, A2), 5n, 0n, ONES],
    ['rem takes the dividend sign', E.rem(A0, A1, A2), -7n, 2n, ONES],
    ['rem by zero is the dividend', E.rem(A0, A1, A2), -7n, 0n, u(-7n)],
    ['rem overflow is 0', E.rem(A0, A1, A2), MIN, -1n, 0n],
    ['remu', E.remu(A0, A1, A2), ONES, 10n, 5n],
    ['remu by zero is the dividend', E.remu(A0, A1, A2), 9n, 0n, 9n],
    ['mulw sign-extends the low word', E.mulw(A0, A1, A2), 0x1_0000_0002n, 0x4000_0000n, 0xffff_ffff_8000_0000n],
    ['divw', E.divw(A0, A1, A2), 0xffff_fff9n, 2n, u(-3n)],
    ['divw by zero', E.divw(A0, A1, A2), 1n, 0x1_0000_0000n, ONES],
    ['divw overflow', E.divw(A0, A1, A2), 0x8000_0000n, 0xffff_ffffn, 0xffff_ffff_8000_0000n],
    ['divuw', E.divuw(A0, A1, A2), 0xffff_fffen, 1n, ONES - 1n],
    ['divuw by zero', E.divuw(A0, A1, A2), 3n, 0n, ONES],
    ['remw', E.remw(A0, A1, A2), 0xffff_fff9n, 2n, ONES],
    ['remw by zero is the sign-extended dividend', E.remw(A0, A1, A2), 0x8000_0000n, 0n, 0xffff_ffff_8000_0000n],
    ['remw overflow is 0', E.remw(A0, A1, A2), 0x8000_0000n, 0xffff_ffffn, 0n],
    ['remuw', E.remuw(A0, A1, A2), 0xffff_ffffn, 10n, 5n],
    ['remuw by zero', E.remuw(A0, A1, A2), 0xffff_ffffn, 0n, ONES],
  ];
  it.each(cases)('%s', (_n, insn, a, b, expected) => {
    expect(one(insn, a, b)).toBe(expected);
  });
});
