import type { FieldValues } from './disassemble.js';
import { freg, hexImm, xreg } from './operand-text.js';
import type { PrintContext } from './operand-text.js';

/**
 * The pseudo-instructions GNU objdump 2.40 prints by default (Unprivileged ISA ch. 25,
 * Tables 25.2-25.3 "pseudoinstructions", plus binutils' own spellings: immediate ALU forms
 * without their `i` suffix, `zext.b` for `andi rd,rs,255`, CSR shorthands).
 * Returns undefined when the instruction prints in its plain form.
 */
export function aliasOf(mnemonic: string, v: FieldValues, ctx: PrintContext): [string, string[]] | undefined {
  const rd = v.rd ?? 0;
  const rs1 = v.rs1 ?? 0;
  const rs2 = v.rs2 ?? 0;
  const imm = v.imm12 ?? 0;
  const X = xreg;
  switch (mnemonic) {
    case 'addi':
      if (rd === 0 && rs1 === 0 && imm === 0) return ['nop', []];
      if (rs1 === 0) return ['li', [X(rd), String(imm)]];
      if (imm === 0) return ['mv', [X(rd), X(rs1)]];
      return ['add', [X(rd), X(rs1), String(imm)]];
    case 'addiw':
      if (imm === 0) return ['sext.w', [X(rd), X(rs1)]];
      return ['addw', [X(rd), X(rs1), String(imm)]];
    case 'xori':
      if (imm === -1) return ['not', [X(rd), X(rs1)]];
      return ['xor', [X(rd), X(rs1), String(imm)]];
    case 'ori':
      return ['or', [X(rd), X(rs1), String(imm)]];
    case 'andi':
      if (imm === 255) return ['zext.b', [X(rd), X(rs1)]];
      return ['and', [X(rd), X(rs1), String(imm)]];
    case 'sltiu':
      if (imm === 1) return ['seqz', [X(rd), X(rs1)]];
      return undefined;
    case 'slli':
    case 'srli':
    case 'srai':
      return [mnemonic.slice(0, 3), [X(rd), X(rs1), hexImm(v.shamtd ?? 0)]];
    case 'slliw':
    case 'srliw':
    case 'sraiw':
      return [mnemonic.slice(0, 3) + 'w', [X(rd), X(rs1), hexImm(v.shamtw ?? 0)]];
    case 'sub':
      if (rs1 === 0) return ['neg', [X(rd), X(rs2)]];
      return undefined;
    case 'subw':
      if (rs1 === 0) return ['negw', [X(rd), X(rs2)]];
      return undefined;
    case 'slt':
      if (rs2 === 0) return ['sltz', [X(rd), X(rs1)]];
      if (rs1 === 0) return ['sgtz', [X(rd), X(rs2)]];
      return undefined;
    case 'sltu':
      if (rs1 === 0) return ['snez', [X(rd), X(rs2)]];
      return undefined;
    case 'beq':
    case 'bne':
      if (rs2 === 0) return [mnemonic + 'z', [X(rs1), ctx.target(v.bimm12 ?? 0)]];
      return undefined;
    case 'blt':
      if (rs2 === 0) return ['bltz', [X(rs1), ctx.target(v.bimm12 ?? 0)]];
      if (rs1 === 0) return ['bgtz', [X(rs2), ctx.target(v.bimm12 ?? 0)]];
      return undefined;
    case 'bge':
      if (rs1 === 0) return ['blez', [X(rs2), ctx.target(v.bimm12 ?? 0)]];
      if (rs2 === 0) return ['bgez', [X(rs1), ctx.target(v.bimm12 ?? 0)]];
      return undefined;
    case 'jal':
      if (rd === 0) return ['j', [ctx.target(v.jimm20 ?? 0)]];
      if (rd === 1) return ['jal', [ctx.target(v.jimm20 ?? 0)]];
      return undefined;
    case 'jalr': {
      // jr/jalr with an implicit rd (x0 / ra); a zero offset is left out.
      const addr = imm === 0 ? X(rs1) : `${imm}(${X(rs1)})`;
      if (rd === 0 && rs1 === 1 && imm === 0) return ['ret', []];
      if (rd === 0) return ['jr', [addr]];
      if (rd === 1) return ['jalr', [addr]];
      return ['jalr', [X(rd), addr]];
    }
    case 'fence':
      if ((v.pred ?? 0) === 15 && (v.succ ?? 0) === 15) return ['fence', []];
      return undefined;
    case 'sfence.vma':
    case 'hfence.vvma':
    case 'hfence.gvma':
      if (rs2 === 0) return rs1 === 0 ? [mnemonic, []] : [mnemonic, [X(rs1)]];
      return undefined;
    case 'csrrs':
    case 'csrrw':
    case 'csrrc':
      return csrAlias(mnemonic, rd, ctx.csr(v.csr ?? 0), v.csr ?? 0, X(rs1), rs1 === 0);
    case 'csrrsi':
    case 'csrrwi':
    case 'csrrci':
      return csrImmAlias(mnemonic, rd, ctx.csr(v.csr ?? 0), v.csr ?? 0, v.zimm ?? 0);
    default:
      break;
  }
  if (mnemonic.startsWith('fsgnj')) {
    // fsgnj{,n,x}.fmt rd, rs, rs -> fmv / fneg / fabs.
    if (rs1 === rs2) {
      const [op, fmt] = mnemonic.split('.');
      const name = op === 'fsgnj' ? 'fmv' : op === 'fsgnjn' ? 'fneg' : 'fabs';
      return [`${name}.${fmt}`, [freg(rd), freg(rs1)]];
    }
  }
  return undefined;
}

/** Register forms: csrr/csrw/csrs/csrc and the F/counter shorthands (Tables 25.3-25.4). */
function csrAlias(mnemonic: string, rd: number, name: string, csr: number, src: string, srcZero: boolean): [string, string[]] | undefined {
  if (mnemonic === 'csrrs' && srcZero) {
    if (csr === 0xc00 || csr === 0xc01 || csr === 0xc02) return ['rd' + name, [xreg(rd)]];
    if (csr === 0x001) return ['frflags', [xreg(rd)]];
    if (csr === 0x002) return ['frrm', [xreg(rd)]];
    if (csr === 0x003) return ['frcsr', [xreg(rd)]];
    return ['csrr', [xreg(rd), name]];
  }
  if (mnemonic === 'csrrw') {
    const f = csr === 0x001 ? 'fsflags' : csr === 0x002 ? 'fsrm' : csr === 0x003 ? 'fscsr' : undefined;
    if (f) return rd === 0 ? [f, [src]] : [f, [xreg(rd), src]];
  }
  if (rd === 0) return ['csr' + mnemonic.slice(4), [name, src]];
  return undefined;
}

/** Immediate forms: csrwi/csrsi/csrci and fsrmi/fsflagsi; otherwise objdump drops the `i`. */
function csrImmAlias(mnemonic: string, rd: number, name: string, csr: number, zimm: number): [string, string[]] {
  if (mnemonic === 'csrrwi') {
    const f = csr === 0x001 ? 'fsflagsi' : csr === 0x002 ? 'fsrmi' : undefined;
    if (f) return [f, [xreg(rd), String(zimm)]];
  }
  const base = mnemonic.slice(0, 5);
  if (rd === 0) return ['csr' + base.slice(4) + (mnemonic === 'csrrwi' ? '' : ''), [name, String(zimm)]];
  return [base, [xreg(rd), name, String(zimm)]];
}
