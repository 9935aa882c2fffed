import { describe, expect, it } from 'vitest';
import { assemble, AsmError } from './assemble.js';
import { disassemble } from './disassemble.js';

/** Disassemble a flat image into objdump-style `mnemonic operands` strings. */
function lines(bytes: Uint8Array, base = 0n): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; ) {
    const lo = bytes[at] | (bytes[at + 1] << 8);
    const len = (lo & 3) === 3 ? 4 : 2;
    const word = len === 4 ? (lo | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0 : lo;
    const d = disassemble(word, base + BigInt(at), len);
    out.push(d.operands ? `${d.mnemonic} ${d.operands}` : d.mnemonic);
    at += len;
  }
  return out;
}

const words = (bytes: Uint8Array): number[] => {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(v.getUint32(i, true));
  return out;
};

describe('assemble', () => {
  it('encodes base instructions', () => {
    expect(words(assemble('add a0, a1, a2\naddi sp, sp, -16\nld ra, 8(sp)\nsd s0, 0(sp)\nlui a0, 0x12345\necall').bytes)).toEqual([
      0x00c58533, 0xff010113, 0x00813083, 0x00813023, 0x12345537, 0x00000073,
    ]);
  });

  it('round-trips through the disassembler', () => {
    const src = [
      'csrrw t0, mstatus, t1', 'csrr a0, mhartid', 'csrw mtvec, a0', 'csrs mie, t0', 'csrci mstatus, 8', 'rdtime a0',
      'amoadd.w.aqrl a0, a1, (a2)', 'lr.d.aq a0, (a1)', 'sc.w.rl a2, a1, (a0)', 'amoswap.d a0, a1, (sp)',
      'fadd.d ft0, ft1, ft2, rtz', 'fadd.s fa0, fa1, fa2', 'fmadd.d fa0, fa1, fa2, fa3', 'fcvt.d.w fa0, a0', 'fcvt.w.d a0, fa0, rtz',
      'fmv.d fa0, fa1', 'fneg.s fa0, fa1', 'fabs.d fa0, fa1', 'fmv.x.d a0, fa0', 'flw fa0, 4(a0)', 'fsd fs0, -8(sp)',
      'frflags a0', 'fsflags a1', 'frrm a0', 'fscsr a0', 'frcsr a1',
      'fence', 'fence rw, w', 'fence.i', 'fence.tso', 'sfence.vma', 'sfence.vma a0', 'sfence.vma a0, a1', 'wfi', 'mret', 'sret', 'ebreak',
      'hfence.gvma a0, a1', 'hlv.d a0, (a1)', 'hlvx.wu a0, (a1)', 'hsv.w a0, (a1)',
      'mv a0, a1', 'not a0, a1', 'neg a0, a1', 'negw a0, a1', 'sext.w a0, a1', 'seqz a0, a1', 'snez a0, a1', 'sltz a0, a1', 'sgtz a0, a1',
      'nop', 'ret', 'jr a0', 'jalr a0', 'mul a0, a1, a2', 'divuw a0, a1, a2', 'slli a0, a1, 0x3f', 'sraiw a0, a1, 0x1f',
    ];
    const got = lines(assemble(src.join('\n')).bytes);
    const want = [
      'csrrw t0,mstatus,t1', 'csrr a0,mhartid', 'csrw mtvec,a0', 'csrs mie,t0', 'csrc mstatus,8', 'rdtime a0',
      'amoadd.w.aqrl a0,a1,(a2)', 'lr.d.aq a0,(a1)', 'sc.w.rl a2,a1,(a0)', 'amoswap.d a0,a1,(sp)',
      'fadd.d ft0,ft1,ft2,rtz', 'fadd.s fa0,fa1,fa2', 'fmadd.d fa0,fa1,fa2,fa3', 'fcvt.d.w fa0,a0', 'fcvt.w.d a0,fa0,rtz',
      'fmv.d fa0,fa1', 'fneg.s fa0,fa1', 'fabs.d fa0,fa1', 'fmv.x.d a0,fa0', 'flw fa0,4(a0)', 'fsd fs0,-8(sp)',
      'frflags a0', 'fsflags a1', 'frrm a0', 'fscsr a0', 'frcsr a1',
      'fence', 'fence rw,w', 'fence.i', 'fence.tso', 'sfence.vma', 'sfence.vma a0', 'sfence.vma a0,a1', 'wfi', 'mret', 'sret', 'ebreak',
      'hfence.gvma a0,a1', 'hlv.d a0,(a1)', 'hlvx.wu a0,(a1)', 'hsv.w a0,(a1)',
      'mv a0,a1', 'not a0,a1', 'neg a0,a1', 'negw a0,a1', 'sext.w a0,a1', 'seqz a0,a1', 'snez a0,a1', 'sltz a0,a1', 'sgtz a0,a1',
      'nop', 'ret', 'jr a0', 'jalr a0', 'mul a0,a1,a2', 'divuw a0,a1,a2', 'sll a0,a1,0x3f', 'sraw a0,a1,0x1f',
    ];
    expect(got).toEqual(want);
  });

  it('resolves labels forward, backward and numeric', () => {
    const { bytes, symbols } = assemble(
      ['_start:', '  j end', '1: addi a0, a0, 1', '  bnez a0, 1b', '  beqz a0, 1f', '  call func', '1: tail _start', 'func: ret', 'end: la a0, data', '.data', 'data: .dword 0x1122334455667788'].join('\n'),
      { base: 0x80000000n },
    );
    expect(symbols.get('_start')).toBe(0x80000000n);
    expect(symbols.get('func')).toBe(0x80000020n);
    expect(symbols.get('end')).toBe(0x80000024n);
    expect(symbols.get('data')).toBe(0x80000030n);
    expect(lines(bytes.subarray(0, 0x2c), 0x80000000n)).toEqual([
      'j 80000024', 'add a0,a0,1', 'bnez a0,80000004', 'beqz a0,80000018', 'auipc ra,0x0', 'jalr 16(ra)',
      'auipc t1,0x0', 'jr -24(t1)', 'ret', 'auipc a0,0x0', 'add a0,a0,12',
    ]);
  });

  it('materializes 64-bit constants like GNU as', () => {
    const cases: [string, string[]][] = [
      ['0', ['li a0,0']],
      ['2047', ['li a0,2047']],
      ['0x12345678', ['lui a0,0x12345', 'addw a0,a0,1656']],
      ['0x80000000', ['addw a0,zero,1', 'sll a0,a0,0x1f']],
      ['-1', ['li a0,-1']],
      ['0x7fffffff', ['lui a0,0x80000', 'addw a0,a0,-1']],
      // riscv64-unknown-elf-as 2.40 output:
      ['0x123456789abcdef0', ['lui a0,0x247', 'addw a0,a0,-1875', 'sll a0,a0,0xe', 'add a0,a0,-947', 'sll a0,a0,0xc', 'add a0,a0,1511', 'sll a0,a0,0xd', 'add a0,a0,-272']],
      ['0x100000000000', ['addw a0,zero,1', 'sll a0,a0,0x2c']],
    ];
    for (const [v, want] of cases) expect(lines(assemble(`li a0, ${v}`).bytes), v).toEqual(want);
  });

  it('handles data directives, alignment and .equ', () => {
    const { bytes, symbols } = assemble(['.equ N, 3', '.data', 'a: .byte 1, 2, N', '.align 2', 'b: .word 0xdeadbeef', '.half 0x1234', '.asciz "hi\\n"', '.zero 2', 'c: .quad c'].join('\n'));
    expect(symbols.get('N')).toBe(3n);
    expect([...bytes]).toEqual([1, 2, 3, 0, 0xef, 0xbe, 0xad, 0xde, 0x34, 0x12, 0x68, 0x69, 0x0a, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('compresses under .option rvc', () => {
    const { bytes } = assemble(['.option rvc', 'addi sp, sp, -16', 'sd ra, 8(sp)', 'li a0, 5', 'mv a1, a0', 'add a0, a0, a1', 'ld ra, 8(sp)', 'ret', '.option norvc', 'nop'].join('\n'));
    expect(bytes.length).toBe(7 * 2 + 4);
    expect(lines(bytes)).toEqual(['add sp,sp,-16', 'sd ra,8(sp)', 'li a0,5', 'mv a1,a0', 'add a0,a0,a1', 'ld ra,8(sp)', 'ret', 'nop']);
  });

  it('reports errors with line numbers', () => {
    expect(() => assemble('nop\nfoo a0')).toThrow(/line 2: unknown instruction 'foo'/);
    expect(() => assemble('addi a0, a0, 5000')).toThrow(/line 1: .*out of range/);
    expect(() => assemble('\n\nj nowhere')).toThrow(/line 3: undefined symbol 'nowhere'/);
    expect(() => assemble('add a0, a1')).toThrow(AsmError);
    expect(() => assemble('ld a0, 8(q7)')).toThrow(/not an integer register/);
  });
});
