import { describe, expect, it } from 'vitest';
import * as E from './test-support/encode.js';
import { machine, RAM_BASE, runToWfi } from './test-support/machine.js';

const A0 = 10, A1 = 11, A2 = 12;
const M64 = (1n << 64n) - 1n;
const u = (v: bigint): bigint => BigInt.asUintN(64, v);

/** Execute one instruction with a1, a2 preset; return a0. */
function one(insn: number, a1 = 0n, a2 = 0n): bigint {
  const m = machine([insn, E.WFI]);
  m.hart.x[A1] = u(a1);
  m.hart.x[A2] = u(a2);
  runToWfi(m);
  return m.hart.x[A0]!;
}

describe('RV64I register-register and immediate ops (unpriv spec 2.4, 5.2)', () => {
  const cases: [string, number, bigint, bigint, bigint][] = [
    ['add wraps', E.add(A0, A1, A2), M64, 2n, 1n],
    ['add carries across the word', E.add(A0, A1, A2), 0xffff_ffffn, 1n, 0x1_0000_0000n],
    ['sub borrows', E.sub(A0, A1, A2), 0n, 1n, M64],
    ['sub borrows across the word', E.sub(A0, A1, A2), 0x1_0000_0000n, 1n, 0xffff_ffffn],
    ['sll masks to 6 bits', E.sll(A0, A1, A2), 1n, 65n, 2n],
    ['sll by 63', E.sll(A0, A1, A2), 1n, 63n, 1n << 63n],
    ['sll by 32', E.sll(A0, A1, A2), 0x1234_5678n, 32n, 0x1234_5678_0000_0000n],
    ['srl is logical', E.srl(A0, A1, A2), 1n << 63n, 63n, 1n],
    ['srl by 4', E.srl(A0, A1, A2), 0x1234_5678_9abc_def0n, 4n, 0x0123_4567_89ab_cdefn],
    ['srl by 36', E.srl(A0, A1, A2), 0x1234_5678_9abc_def0n, 36n, 0x0123_4567n],
    ['sra is arithmetic', E.sra(A0, A1, A2), 1n << 63n, 63n, M64],
    ['sra by 4', E.sra(A0, A1, A2), 0xf234_5678_9abc_def0n, 4n, 0xff23_4567_89ab_cdefn],
    ['sra by 40', E.sra(A0, A1, A2), 0x8000_0000_0000_0000n, 40n, 0xffff_ffff_ff80_0000n],
    ['slt signed', E.slt(A0, A1, A2), -1n, 0n, 1n],
    ['slt equal', E.slt(A0, A1, A2), 5n, 5n, 0n],
    ['slt low word decides', E.slt(A0, A1, A2), 0x1_0000_0001n, 0x1_8000_0000n, 1n],
    ['sltu unsigned', E.sltu(A0, A1, A2), -1n, 0n, 0n],
    ['sltu low word unsigned', E.sltu(A0, A1, A2), 1n, 0x8000_0000n, 1n],
    ['xor', E.xor(A0, A1, A2), 0xff00n, 0x0ff0n, 0xf0f0n],
    ['or', E.or(A0, A1, A2), 0xff00_0000_0000_0000n, 1n, 0xff00_0000_0000_0001n],
    ['and', E.and(A0, A1, A2), M64, 0x8000_0001_0000_0000n, 0x8000_0001_0000_0000n],
    ['addi sign-extends the immediate', E.addi(A0, A1, -1), 0n, 0n, M64],
    ['addi carries', E.addi(A0, A1, 1), 0xffff_ffffn, 0n, 0x1_0000_0000n],
    ['slti', E.slti(A0, A1, -1), -2n, 0n, 1n],
    ['sltiu compares with the sign-extended immediate', E.sltiu(A0, A1, -1), 5n, 0n, 1n],
    ['sltiu -1 < -1 is false', E.sltiu(A0, A1, -1), M64, 0n, 0n],
    ['xori -1 is not', E.xori(A0, A1, -1), 0x1234n, 0n, u(~0x1234n)],
    ['ori', E.ori(A0, A1, -2048), 1n, 0n, u(-2047n)],
    ['andi', E.andi(A0, A1, 0x7ff), M64, 0n, 0x7ffn],
    ['slli 63', E.slli(A0, A1, 63), 3n, 0n, 1n << 63n],
    ['srli 1', E.srli(A0, A1, 1), M64, 0n, M64 >> 1n],
    ['srai 1', E.srai(A0, A1, 1), 1n << 63n, 0n, 0xc000_0000_0000_0000n],
    ['addw sign-extends', E.addw(A0, A1, A2), 0x7fff_ffffn, 1n, 0xffff_ffff_8000_0000n],
    ['addw ignores upper halves', E.addw(A0, A1, A2), 0x1234_0000_0001n, 0xffff_0000_0001n, 2n],
    ['subw', E.subw(A0, A1, A2), 0n, 1n, M64],
    ['sllw masks to 5 bits', E.sllw(A0, A1, A2), 1n, 33n, 2n],
    ['sllw sign-extends', E.sllw(A0, A1, A2), 1n, 31n, 0xffff_ffff_8000_0000n],
    ['srlw', E.srlw(A0, A1, A2), 0xffff_ffff_8000_0000n, 31n, 1n],
    ['srlw by 0 sign-extends bit 31', E.srlw(A0, A1, A2), 0x8000_0000n, 0n, 0xffff_ffff_8000_0000n],
    ['sraw', E.sraw(A0, A1, A2), 0x8000_0000n, 4n, 0xffff_ffff_f800_0000n],
    ['addiw', E.addiw(A0, A1, 1), 0x7fff_ffffn, 0n, 0xffff_ffff_8000_0000n],
    ['addiw 0 is sext.w', E.addiw(A0, A1, 0), 0x1_ffff_ffffn, 0n, M64],
    ['slliw', E.slliw(A0, A1, 31), 1n, 0n, 0xffff_ffff_8000_0000n],
    ['srliw', E.srliw(A0, A1, 4), 0xffff_ffff_ffff_fff0n, 0n, 0x0fff_ffffn],
    ['sraiw', E.sraiw(A0, A1, 4), 0x8000_0000n, 0n, 0xffff_ffff_f800_0000n],
  ];
  it.each(cases)('%s', (_name, insn, a1, a2, expected) => {
    expect(one(insn, a1, a2)).toBe(expected);
  });

  it('lui and auipc sign-extend the 32-bit result', () => {
    expect(one(E.lui(A0, 0x80000))).toBe(0xffff_ffff_8000_0000n);
    expect(one(E.lui(A0, 0x12345))).toBe(0x1234_5000n);
    expect(one(E.auipc(A0, 1))).toBe(BigInt(RAM_BASE + 0x1000));
    expect(one(E.auipc(A0, 0x80000))).toBe(u(BigInt(RAM_BASE) - 0x8000_0000n));
  });

  it('never changes x0', () => {
    const m = machine([E.addi(0, 0, 5), E.lui(0, 1), E.add(A0, 0, 0), E.WFI]);
    runToWfi(m);
    expect(m.hart.x[0]).toBe(0n);
    expect(m.hart.x[A0]).toBe(0n);
  });
});

describe('control transfer (unpriv spec 2.5)', () => {
  it('jal links pc+4 and jumps; jalr clears bit 0 and reads rs1 before writing rd', () => {
    const m = machine([
      E.jal(1, 8), // 0: ra = 4, -> 8
      E.WFI, // 4
      E.addi(A0, 0, 0x11), // 8: a0 = target (pc 0x10 + 1 = odd)
      E.jalr(A0, A0, 0), // 12: a0 = 16, jump to 0x11 & ~1 = 0x10
      E.WFI, // 16
    ]);
    m.hart.x[A0] = 0n;
    m.ram.write32(RAM_BASE + 8, E.auipc(A0, 0)); // a0 = RAM_BASE + 8
    m.ram.write32(RAM_BASE + 12, E.jalr(A0, A0, 9)); // to RAM_BASE + 17 & ~1 = +16
    runToWfi(m);
    expect(m.hart.x[1]).toBe(BigInt(RAM_BASE + 4));
    expect(m.hart.x[A0]).toBe(BigInt(RAM_BASE + 16));
    expect(m.hart.pc).toBe(BigInt(RAM_BASE + 20));
  });

  const branches: [string, (a: number, b: number, o: number) => number, bigint, bigint, boolean][] = [
    ['beq equal', E.beq, 5n, 5n, true],
    ['beq differs in high word', E.beq, 5n, 0x1_0000_0005n, false],
    ['bne', E.bne, 1n, 2n, true],
    ['blt signed', E.blt, -1n, 0n, true],
    ['blt not taken', E.blt, 0n, -1n, false],
    ['bge equal', E.bge, 3n, 3n, true],
    ['bltu unsigned', E.bltu, 0n, -1n, true],
    ['bgeu unsigned', E.bgeu, -1n, 0n, true],
    ['bgeu not taken', E.bgeu, 1n, 2n, false],
  ];
  it.each(branches)('%s', (_n, b, x, y, taken) => {
    // taken: skip the addi that sets a0 = 1
    const m = machine([b(A1, A2, 8), E.addi(A0, 0, 1), E.WFI]);
    m.hart.x[A1] = u(x);
    m.hart.x[A2] = u(y);
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(taken ? 0n : 1n);
  });

  it('branches backwards (a counted loop)', () => {
    const m = machine([E.addi(A0, 0, 10), E.addi(A1, A1, 3), E.addi(A0, A0, -1), E.bne(A0, 0, -8), E.WFI]);
    runToWfi(m);
    expect(m.hart.x[A1]).toBe(30n);
    expect(m.hart.retired).toBe(1 + 30 + 1);
  });

  it('illegal encodings of reserved funct3 values trap', () => {
    const m = machine([0x0000_2063 /* branch funct3 010 */]);
    m.hart.writeCsr(0x305, BigInt(RAM_BASE + 0x100));
    m.ram.write32(RAM_BASE + 0x100, E.WFI);
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
    expect(m.hart.mtval).toBe(0x2063n);
  });
});

describe('compressed execution', () => {
  it('c.jalr links pc+2 and c.addi16sp / c.lwsp work on sp', () => {
    // c.jalr a0 at 0 (target RAM_BASE+6), pad, c.addi16sp sp,-16 ... see comments
    const m = machine([{ c: 0x9502 } /* c.jalr a0 */, { c: 0x0001 } /* c.nop */, { c: 0x0001 }, { c: 0x7179 } /* c.addi16sp sp,-48 */, E.WFI]);
    m.hart.x[A0] = BigInt(RAM_BASE + 6);
    m.hart.x[2] = 0x1000n;
    runToWfi(m);
    expect(m.hart.x[1]).toBe(BigInt(RAM_BASE + 2));
    expect(m.hart.x[2]).toBe(0x1000n - 48n);
  });

  it('the all-zero halfword is illegal with tval 0; a reserved encoding reports its 16 bits', () => {
    const m = machine([{ c: 0x6501 } /* c.lui a0,0: reserved */]);
    m.hart.writeCsr(0x305, BigInt(RAM_BASE + 0x100));
    m.ram.write32(RAM_BASE + 0x100, E.WFI);
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
    expect(m.hart.mtval).toBe(0x6501n);
    expect(m.hart.mepc).toBe(BigInt(RAM_BASE));

    const z = machine([0]);
    z.hart.writeCsr(0x305, BigInt(RAM_BASE + 0x100));
    z.ram.write32(RAM_BASE + 0x100, E.WFI);
    runToWfi(z);
    expect(z.hart.mcause).toBe(2n);
    expect(z.hart.mtval).toBe(0n);
  });

  it('a 32-bit instruction may sit at a 2-byte aligned address', () => {
    const m = machine([{ c: 0x0001 }, E.addi(A0, 0, 7), E.WFI]);
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(7n);
  });
});
