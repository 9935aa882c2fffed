/**
 * Encoding legality, dynamic rounding, NaN-boxing of inputs/outputs, x0, and flag accumulation
 * (unpriv spec §11.2, §12.2, "RV32/64G Instruction Set Listings").
 */
import { describe, expect, it } from 'vitest';
import {
  binary,
  encodeR,
  encodeR4,
  fclass,
  fcmp,
  fcvtFloat,
  fcvtFromInt,
  fcvtToInt,
  fmvToInt,
  fsgnj,
  fsqrt,
  fused,
} from './test-support/encode.js';
import { D, DYN, NV, NX, RDN, RNE, RTZ, RUP, S } from './test-support/constants.js';
import { BOX, machine, run, snapshot } from './test-support/machine.js';

function seeded(frm = 0): ReturnType<typeof machine> {
  const m = machine(frm);
  for (let i = 0; i < 32; i++) {
    m.fp.f[i] = BOX | 0x3f80_0000n;
    m.x[i] = i === 0 ? 0n : BigInt(i);
  }
  m.fp.fflags = 0;
  return m;
}

describe('illegal encodings modify nothing', () => {
  const OP_FP = 0x53;
  const cases: [string, number, number?][] = [
    ['reserved rm 5', binary('fadd', 'S', 3, 1, 2, 5)],
    ['reserved rm 6', binary('fmul', 'D', 3, 1, 2, 6)],
    ['DYN with frm 5', binary('fadd', 'D', 3, 1, 2, DYN), 5],
    ['DYN with frm 6', fsqrt('S', 3, 1, DYN), 6],
    ['DYN with frm 7', fused('fmadd', 'D', 3, 1, 2, 4, DYN), 7],
    ['fmadd reserved rm', fused('fnmadd', 'S', 3, 1, 2, 4, 5)],
    ['fcvt.w.s reserved rm', fcvtToInt('W', 'S', 3, 1, 6)],
    ['fcvt.d.w reserved rm (exact, still checked)', fcvtFromInt('D', 'W', 3, 1, 5)],
    ['fcvt.d.s DYN with frm 7', fcvtFloat('D', 3, 1, DYN), 7],
    ['fmt H (Zfh)', encodeR(OP_FP, 0b0000010, 2, 1, 0, 3)],
    ['fmt Q', encodeR(OP_FP, 0b0000011, 2, 1, 0, 3)],
    ['fmadd fmt Q', encodeR4(0x43, 4, 3, 2, 1, 0, 3)],
    ['fsqrt rs2 != 0', encodeR(OP_FP, 0b0101100, 1, 1, 0, 3)],
    ['fcvt.w.s rs2 = 4', encodeR(OP_FP, 0b1100000, 4, 1, 0, 3)],
    ['fcvt.s.w rs2 = 8', encodeR(OP_FP, 0b1101000, 8, 1, 0, 3)],
    ['fcvt.s.s (rs2 = 0 with fmt S)', encodeR(OP_FP, 0b0100000, 0, 1, 0, 3)],
    ['fcvt.d.d (rs2 = 1 with fmt D)', encodeR(OP_FP, 0b0100001, 1, 1, 0, 3)],
    ['fcvt.s.h', encodeR(OP_FP, 0b0100000, 2, 1, 0, 3)],
    ['fsgnj funct3 3', encodeR(OP_FP, 0b0010000, 2, 1, 3, 3)],
    ['fmin funct3 2 (Zfa fminm)', encodeR(OP_FP, 0b0010100, 2, 1, 2, 3)],
    ['fcmp funct3 3', encodeR(OP_FP, 0b1010000, 2, 1, 3, 3)],
    ['fcmp funct3 4 (Zfa fleq)', encodeR(OP_FP, 0b1010000, 2, 1, 4, 3)],
    ['fclass funct3 2', encodeR(OP_FP, 0b1110000, 0, 1, 2, 3)],
    ['fmv.x.w rs2 != 0', encodeR(OP_FP, 0b1110000, 1, 1, 0, 3)],
    ['fmv.w.x funct3 1', encodeR(OP_FP, 0b1111000, 0, 1, 1, 3)],
    ['fmv.w.x rs2 != 0 (Zfa fli)', encodeR(OP_FP, 0b1111000, 1, 1, 0, 3)],
    ['unknown funct5 0x06', encodeR(OP_FP, 0b0011000, 2, 1, 0, 3)],
    ['unknown funct5 0x1f', encodeR(OP_FP, 0b1111100, 2, 1, 0, 3)],
    ['not an FP opcode', 0x0000_0013],
  ];
  it.each(cases)('%s', (_name, insn, frm = 0) => {
    const m = seeded(frm);
    m.fp.f[1] = 0x7ff0_0000_0000_0001n; // would raise NV if executed
    const before = snapshot(m);
    expect(run(m, insn)).toBe(false);
    expect(snapshot(m)).toBe(before);
  });

  it('non-rounding instructions ignore an invalid frm', () => {
    const m = seeded(7);
    expect(run(m, fsgnj(1, 'S', 3, 1, 2))).toBe(true);
    expect(run(m, fcmp('feq', 'S', 3, 1, 2))).toBe(true);
    expect(run(m, fclass('D', 3, 1))).toBe(true);
    expect(run(m, fmvToInt('D', 3, 1))).toBe(true);
  });
});

describe('dynamic rounding mode (rm = 7 reads frm)', () => {
  it.each([
    [RNE, 0x3f80_0001n],
    [RTZ, 0x3f80_0000n],
    [RDN, 0x3f80_0000n],
    [RUP, 0x3f80_0001n],
  ])('frm=%s', (frm, expected) => {
    const m = machine(frm);
    m.fp.f[1] = BOX | S.ONE;
    m.fp.f[2] = BOX | 0x33c0_0000n; // 1.5 * 2^-24
    expect(run(m, binary('fadd', 'S', 3, 1, 2, DYN))).toBe(true);
    expect(m.fp.f[3]).toBe(BOX | expected);
    expect(m.fp.fflags).toBe(NX);
  });
  it('a static rm overrides frm', () => {
    const m = machine(RUP);
    m.fp.f[1] = BOX | S.ONE;
    m.fp.f[2] = BOX | 0x33c0_0000n;
    run(m, binary('fadd', 'S', 3, 1, 2, RDN));
    expect(m.fp.f[3]).toBe(BOX | S.ONE);
  });
});

describe('NaN-boxing (unpriv spec §12.2)', () => {
  it('an improperly boxed single reads as the canonical NaN (quiet: no NV)', () => {
    const m = machine();
    m.fp.f[1] = 0x0000_0000_3f80_0000n; // upper half not all ones
    m.fp.f[2] = BOX | S.ONE;
    run(m, binary('fadd', 'S', 3, 1, 2, RNE));
    expect(m.fp.f[3]).toBe(BOX | S.QNAN);
    expect(m.fp.fflags).toBe(0);
    m.fp.f[1] = 0xffff_fffe_7f80_0001n; // even an sNaN pattern below reads as canonical qNaN
    run(m, fclass('S', 5, 1));
    expect(m.x[5]).toBe(1n << 9n);
    run(m, fsgnj(1, 'S', 3, 1, 2)); // FSGNJN.S: canonical NaN with the sign of -(+1)
    expect(m.fp.f[3]).toBe(BOX | 0xffc0_0000n);
    run(m, fcvtToInt('W', 'S', 6, 1, RNE));
    expect(m.x[6]).toBe(0x7fff_ffffn);
    expect(m.fp.fflags).toBe(NV);
  });
  it('double operations see the raw 64 bits; single results are boxed', () => {
    const m = machine();
    m.fp.f[1] = D.ONE;
    run(m, fcvtFloat('S', 3, 1, RNE));
    expect(m.fp.f[3]).toBe(BOX | S.ONE);
    run(m, fcvtFloat('D', 4, 3, RNE));
    expect(m.fp.f[4]).toBe(D.ONE);
  });
});

describe('integer destination', () => {
  it('x0 is never written, but flags still accrue', () => {
    const m = machine();
    m.fp.f[1] = D.QNAN;
    run(m, fcvtToInt('L', 'D', 0, 1, RNE));
    run(m, fcmp('flt', 'D', 0, 1, 1));
    run(m, fmvToInt('D', 0, 1));
    run(m, fclass('D', 0, 1));
    expect(m.x[0]).toBe(0n);
    expect(m.fp.fflags).toBe(NV);
  });
  it('FCVT.WU.D sign-extends its 32-bit result', () => {
    const m = machine();
    m.fp.f[1] = 0x41ef_ffff_ffe0_0000n; // 4294967295
    run(m, fcvtToInt('WU', 'D', 5, 1, RNE));
    expect(m.x[5]).toBe(0xffff_ffff_ffff_ffffn);
  });
});

describe('fflags accumulate', () => {
  it('ORs new flags into existing ones and never clears them', () => {
    const m = machine();
    m.fp.fflags = NV;
    m.fp.f[1] = D.ONE;
    m.fp.f[2] = D.ZERO;
    run(m, binary('fdiv', 'D', 3, 1, 2, RNE));
    expect(m.fp.fflags).toBe(NV | 8);
    run(m, binary('fadd', 'D', 3, 1, 1, RNE));
    expect(m.fp.fflags).toBe(NV | 8);
  });
  it('the destination may alias a source', () => {
    const m = machine();
    m.fp.f[1] = D.ONE;
    run(m, fused('fmadd', 'D', 1, 1, 1, 1, RNE));
    expect(m.fp.f[1]).toBe(D.TWO);
  });
});
