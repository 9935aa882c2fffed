import type { FieldValues } from './disassemble.js';
import { freg, hexImm, xreg } from './operand-text.js';
import type { PrintContext } from './operand-text.js';

/**
 * How GNU objdump 2.40 prints RVC instructions: under the mnemonic of their 32-bit expansion
 * (Unprivileged ISA ch. 16), with the immediate forms of ALU ops spelled without their `i`
 * (`add sp,sp,-16`, `sll a0,a0,0x3`), and HINT encodings (rd=x0 or shamt=0, Table 16.3)
 * kept in their `c.` form.
 */
export function compressedText(mnemonic: string, v: FieldValues, ctx: PrintContext): [string, string[]] | undefined {
  const rd = v.c_rd ?? 0;
  const rs2 = v.c_rs2 ?? 0;
  const rdp = v.c_rdp ?? 0;
  const rs1p = v.c_rs1p ?? 0;
  const rs2p = v.c_rs2p ?? 0;
  const imm = v.c_imm6 ?? 0;
  const shamt = v.c_shamt ?? 0;
  const mem = (off: number | undefined, base: number): string => `${off ?? 0}(${xreg(base)})`;
  const spmem = (off: number | undefined): string => `${off ?? 0}(sp)`;
  switch (mnemonic) {
    case 'c.addi4spn':
      return ['add', [xreg(rdp), 'sp', String(v.c_nzuimm10)]];
    case 'c.fld':
      return ['fld', [freg(rdp), mem(v.c_uimm8, rs1p)]];
    case 'c.lw':
      return ['lw', [xreg(rdp), mem(v.c_uimm7, rs1p)]];
    case 'c.ld':
      return ['ld', [xreg(rdp), mem(v.c_uimm8, rs1p)]];
    case 'c.fsd':
      return ['fsd', [freg(rs2p), mem(v.c_uimm8, rs1p)]];
    case 'c.sw':
      return ['sw', [xreg(rs2p), mem(v.c_uimm7, rs1p)]];
    case 'c.sd':
      return ['sd', [xreg(rs2p), mem(v.c_uimm8, rs1p)]];
    case 'c.nop':
      return ['nop', []];
    case 'c.addi':
      return rd === 0 ? ['c.nop', [String(imm)]] : ['add', [xreg(rd), xreg(rd), String(imm)]];
    case 'c.addiw':
      return imm === 0 ? ['sext.w', [xreg(rd), xreg(rd)]] : ['addw', [xreg(rd), xreg(rd), String(imm)]];
    case 'c.li':
      return rd === 0 ? ['c.li', ['zero', String(imm)]] : ['li', [xreg(rd), String(imm)]];
    case 'c.addi16sp':
      return ['add', ['sp', 'sp', String(v.c_nzimm10)]];
    case 'c.lui':
      return [rd === 0 ? 'c.lui' : 'lui', [xreg(rd), hexImm(imm & 0xfffff)]];
    case 'c.srli':
      return shamt === 0 ? ['c.srli64', [xreg(rs1p)]] : ['srl', [xreg(rs1p), xreg(rs1p), hexImm(shamt)]];
    case 'c.srai':
      return shamt === 0 ? ['c.srai64', [xreg(rs1p)]] : ['sra', [xreg(rs1p), xreg(rs1p), hexImm(shamt)]];
    case 'c.andi':
      return ['and', [xreg(rs1p), xreg(rs1p), String(imm)]];
    case 'c.sub':
    case 'c.xor':
    case 'c.or':
    case 'c.and':
    case 'c.subw':
    case 'c.addw':
      return [mnemonic.slice(2), [xreg(rs1p), xreg(rs1p), xreg(rs2p)]];
    case 'c.j':
      return ['j', [ctx.target(v.c_jimm11 ?? 0)]];
    case 'c.beqz':
      return ['beqz', [xreg(rs1p), ctx.target(v.c_bimm9 ?? 0)]];
    case 'c.bnez':
      return ['bnez', [xreg(rs1p), ctx.target(v.c_bimm9 ?? 0)]];
    case 'c.slli':
      if (shamt === 0) return ['c.slli64', [xreg(rd)]];
      return rd === 0 ? ['c.slli', ['zero', hexImm(shamt)]] : ['sll', [xreg(rd), xreg(rd), hexImm(shamt)]];
    case 'c.fldsp':
      return ['fld', [freg(rd), spmem(v.c_uimm9sp)]];
    case 'c.lwsp':
      return ['lw', [xreg(rd), spmem(v.c_uimm8sp)]];
    case 'c.ldsp':
      return ['ld', [xreg(rd), spmem(v.c_uimm9sp)]];
    case 'c.jr':
      return rd === 1 ? ['ret', []] : ['jr', [xreg(rd)]];
    case 'c.mv':
      return rd === 0 ? ['c.mv', ['zero', xreg(rs2)]] : ['mv', [xreg(rd), xreg(rs2)]];
    case 'c.ebreak':
      return ['ebreak', []];
    case 'c.jalr':
      return ['jalr', [xreg(rd)]];
    case 'c.add':
      return rd === 0 ? ['c.add', ['zero', xreg(rs2)]] : ['add', [xreg(rd), xreg(rd), xreg(rs2)]];
    case 'c.fsdsp':
      return ['fsd', [freg(rs2), spmem(v.c_uimm9sp_s)]];
    case 'c.swsp':
      return ['sw', [xreg(rs2), spmem(v.c_uimm8sp_s)]];
    case 'c.sdsp':
      return ['sd', [xreg(rs2), spmem(v.c_uimm9sp_s)]];
    default:
      return undefined;
  }
}
