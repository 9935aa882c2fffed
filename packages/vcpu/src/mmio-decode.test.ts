import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { decodeMmio, extendLoad } from './mmio-decode.js';

const insn = (src: string): number => {
  const b = assemble(src, { base: 0x8000_0000n }).bytes;
  return b.length >= 4 && (b[0]! & 3) === 3 ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 : b[0]! | (b[1]! << 8);
};

describe('decodeMmio (MMIO emulation under H)', () => {
  it('decodes RV64I loads and stores', () => {
    expect(decodeMmio(insn('lw a5, 4(a0)'))).toEqual({ store: false, width: 4, signed: true, reg: 15, length: 4 });
    expect(decodeMmio(insn('lbu t0, 0(a1)'))).toEqual({ store: false, width: 1, signed: false, reg: 5, length: 4 });
    expect(decodeMmio(insn('sd s1, 8(sp)'))).toEqual({ store: true, width: 8, signed: false, reg: 9, length: 4 });
    expect(decodeMmio(insn('sb a2, 0(a0)'))).toEqual({ store: true, width: 1, signed: false, reg: 12, length: 4 });
    expect(decodeMmio(insn('add a0, a1, a2'))).toBeUndefined();
  });
  it('decodes the compressed forms (C.LW, C.SD, C.LWSP ...)', () => {
    expect(decodeMmio(0x4108)).toEqual({ store: false, width: 4, signed: true, reg: 10, length: 2 }); // c.lw a0, 0(a0)
    expect(decodeMmio(0xe008)).toEqual({ store: true, width: 8, signed: false, reg: 10, length: 2 }); // c.sd a0, 0(s0)
    expect(decodeMmio(0x4502)).toEqual({ store: false, width: 4, signed: true, reg: 10, length: 2 }); // c.lwsp a0, 0(sp)
  });
  it('extends loaded values', () => {
    expect(extendLoad(0x80n, { store: false, width: 1, signed: true, reg: 1, length: 4 })).toBe(0xffff_ffff_ffff_ff80n);
    expect(extendLoad(0x80n, { store: false, width: 1, signed: false, reg: 1, length: 4 })).toBe(0x80n);
  });
});
