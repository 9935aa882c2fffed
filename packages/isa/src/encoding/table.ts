import { maskOf } from './bits.js';
import type { FieldName } from './fields.js';
import type { OperandKind } from './operands.js';
import type { Extension, InsnEncoding, InsnFormat, ReservedWhen } from './types.js';

/**
 * The instruction table: every instruction the hart executes, one line each, written from the
 * RISC-V Unprivileged ISA (20191213) chapter 24 "RV32/64G Instruction Set Listings" and
 * Table 16.5-16.7 (RVC opcode map), the Privileged ISA (20211203) section 9.2 (H extension)
 * and 3.3 / 4.2.1 (trap-return, WFI, SFENCE.VMA).
 *
 * Fixed bits are written the way riscv-opcodes does: `hi..lo=value` (or `bit=value`).
 */

interface Extra {
  /** Encoded fields that are not assembly operands. */
  fields?: string;
  /** `field=value` pairs that make the encoding reserved. */
  reserved?: string;
  specializes?: string;
}

function fixedBits(spec: string): { match: number; mask: number } {
  let match = 0;
  let mask = 0;
  for (const part of spec.trim().split(/\s+/)) {
    const m = /^(\d+)(?:\.\.(\d+))?=(0x[0-9a-fA-F]+|\d+)$/.exec(part);
    if (!m) throw new Error(`bad fixed-bit spec '${part}'`);
    const hi = Number(m[1]);
    const lo = m[2] === undefined ? hi : Number(m[2]);
    const value = Number(m[3]);
    if (value >= 2 ** (hi - lo + 1)) throw new Error(`value ${m[3]} does not fit ${hi}..${lo}`);
    const bits = maskOf(hi, lo);
    if ((mask & bits) !== 0) throw new Error(`overlapping fixed bits in '${spec}'`);
    mask = (mask | bits) >>> 0;
    match = (match | (value * 2 ** lo)) >>> 0;
  }
  return { match, mask };
}

function def(
  mnemonic: string,
  format: InsnFormat,
  ext: Extension,
  operands: string,
  fixed: string,
  extra: Extra = {},
): InsnEncoding {
  const { match, mask } = fixedBits(fixed);
  const length = format.startsWith('C') && format !== 'CSR' && format !== 'CSRI' ? 2 : 4;
  const reserved: ReservedWhen[] = (extra.reserved ?? '')
    .split(/\s+/)
    .filter((s) => s !== '')
    .map((s) => {
      const [field, value] = s.split('=');
      return { field: field as FieldName, equals: Number(value) };
    });
  return {
    mnemonic,
    match,
    mask,
    format,
    length,
    ext,
    operands: operands === '' ? [] : (operands.split(',') as OperandKind[]),
    extraFields: (extra.fields ?? '').split(/\s+/).filter((s) => s !== '') as FieldName[],
    reserved,
    ...(extra.specializes === undefined ? {} : { specializes: extra.specializes }),
  };
}

const AQRL = { fields: 'aq rl' };

/** Opcode/funct encodings of one R-type ALU op: funct7, funct3, major opcode. */
const r = (f7: number, f3: number, op: number): string => `31..25=${f7} 14..12=${f3} 6..0=${op}`;
const i = (f3: number, op: number): string => `14..12=${f3} 6..0=${op}`;
/** OP-FP with funct5 and fmt (S=0, D=1). */
const fp = (f5: number, fmt: number): string => `31..27=${f5} 26..25=${fmt} 6..0=0x53`;
/** AMO funct5, width funct3 (2=.w, 3=.d). */
const amo = (f5: number, f3: number): string => `31..27=${f5} 14..12=${f3} 6..0=0x2f`;

export const INSTRUCTIONS: readonly InsnEncoding[] = [
  // ---- RV32I/RV64I base (Unprivileged ISA ch. 2 and 5) ----
  def('lui', 'U', 'I', 'rd,imm20', '6..0=0x37'),
  def('auipc', 'U', 'I', 'rd,imm20', '6..0=0x17'),
  def('jal', 'J', 'I', 'rd,jimm20', '6..0=0x6f'),
  def('jalr', 'I', 'I', 'rd,imm12(rs1)', i(0, 0x67)),
  def('beq', 'B', 'I', 'rs1,rs2,bimm12', i(0, 0x63)),
  def('bne', 'B', 'I', 'rs1,rs2,bimm12', i(1, 0x63)),
  def('blt', 'B', 'I', 'rs1,rs2,bimm12', i(4, 0x63)),
  def('bge', 'B', 'I', 'rs1,rs2,bimm12', i(5, 0x63)),
  def('bltu', 'B', 'I', 'rs1,rs2,bimm12', i(6, 0x63)),
  def('bgeu', 'B', 'I', 'rs1,rs2,bimm12', i(7, 0x63)),
  def('lb', 'I', 'I', 'rd,imm12(rs1)', i(0, 0x03)),
  def('lh', 'I', 'I', 'rd,imm12(rs1)', i(1, 0x03)),
  def('lw', 'I', 'I', 'rd,imm12(rs1)', i(2, 0x03)),
  def('ld', 'I', 'I', 'rd,imm12(rs1)', i(3, 0x03)),
  def('lbu', 'I', 'I', 'rd,imm12(rs1)', i(4, 0x03)),
  def('lhu', 'I', 'I', 'rd,imm12(rs1)', i(5, 0x03)),
  def('lwu', 'I', 'I', 'rd,imm12(rs1)', i(6, 0x03)),
  def('sb', 'S', 'I', 'rs2,simm12(rs1)', i(0, 0x23)),
  def('sh', 'S', 'I', 'rs2,simm12(rs1)', i(1, 0x23)),
  def('sw', 'S', 'I', 'rs2,simm12(rs1)', i(2, 0x23)),
  def('sd', 'S', 'I', 'rs2,simm12(rs1)', i(3, 0x23)),
  def('addi', 'I', 'I', 'rd,rs1,imm12', i(0, 0x13)),
  def('slti', 'I', 'I', 'rd,rs1,imm12', i(2, 0x13)),
  def('sltiu', 'I', 'I', 'rd,rs1,imm12', i(3, 0x13)),
  def('xori', 'I', 'I', 'rd,rs1,imm12', i(4, 0x13)),
  def('ori', 'I', 'I', 'rd,rs1,imm12', i(6, 0x13)),
  def('andi', 'I', 'I', 'rd,rs1,imm12', i(7, 0x13)),
  def('slli', 'I', 'I', 'rd,rs1,shamtd', `31..26=0 ${i(1, 0x13)}`),
  def('srli', 'I', 'I', 'rd,rs1,shamtd', `31..26=0 ${i(5, 0x13)}`),
  def('srai', 'I', 'I', 'rd,rs1,shamtd', `31..26=0x10 ${i(5, 0x13)}`),
  def('add', 'R', 'I', 'rd,rs1,rs2', r(0, 0, 0x33)),
  def('sub', 'R', 'I', 'rd,rs1,rs2', r(0x20, 0, 0x33)),
  def('sll', 'R', 'I', 'rd,rs1,rs2', r(0, 1, 0x33)),
  def('slt', 'R', 'I', 'rd,rs1,rs2', r(0, 2, 0x33)),
  def('sltu', 'R', 'I', 'rd,rs1,rs2', r(0, 3, 0x33)),
  def('xor', 'R', 'I', 'rd,rs1,rs2', r(0, 4, 0x33)),
  def('srl', 'R', 'I', 'rd,rs1,rs2', r(0, 5, 0x33)),
  def('sra', 'R', 'I', 'rd,rs1,rs2', r(0x20, 5, 0x33)),
  def('or', 'R', 'I', 'rd,rs1,rs2', r(0, 6, 0x33)),
  def('and', 'R', 'I', 'rd,rs1,rs2', r(0, 7, 0x33)),
  def('addiw', 'I', 'I', 'rd,rs1,imm12', i(0, 0x1b)),
  def('slliw', 'I', 'I', 'rd,rs1,shamtw', r(0, 1, 0x1b)),
  def('srliw', 'I', 'I', 'rd,rs1,shamtw', r(0, 5, 0x1b)),
  def('sraiw', 'I', 'I', 'rd,rs1,shamtw', r(0x20, 5, 0x1b)),
  def('addw', 'R', 'I', 'rd,rs1,rs2', r(0, 0, 0x3b)),
  def('subw', 'R', 'I', 'rd,rs1,rs2', r(0x20, 0, 0x3b)),
  def('sllw', 'R', 'I', 'rd,rs1,rs2', r(0, 1, 0x3b)),
  def('srlw', 'R', 'I', 'rd,rs1,rs2', r(0, 5, 0x3b)),
  def('sraw', 'R', 'I', 'rd,rs1,rs2', r(0x20, 5, 0x3b)),
  def('fence', 'FENCE', 'I', 'pred,succ', i(0, 0x0f), { fields: 'fm rs1 rd' }),
  // FENCE.TSO: fm=1000, pred=succ=RW (Unprivileged ISA 2.7).
  def('fence.tso', 'FENCE', 'I', '', '31..28=8 27..24=3 23..20=3 19..15=0 14..12=0 11..7=0 6..0=0x0f', { specializes: 'fence' }),
  def('ecall', 'SYSTEM', 'I', '', '31..0=0x00000073'),
  def('ebreak', 'SYSTEM', 'I', '', '31..0=0x00100073'),

  // ---- Zifencei (ch. 3): imm, rs1 and rd are reserved for future use and ignored ----
  def('fence.i', 'I', 'Zifencei', '', i(1, 0x0f), { fields: 'imm12 rs1 rd' }),

  // ---- Zicsr (ch. 9) ----
  def('csrrw', 'CSR', 'Zicsr', 'rd,csr,rs1', i(1, 0x73)),
  def('csrrs', 'CSR', 'Zicsr', 'rd,csr,rs1', i(2, 0x73)),
  def('csrrc', 'CSR', 'Zicsr', 'rd,csr,rs1', i(3, 0x73)),
  def('csrrwi', 'CSRI', 'Zicsr', 'rd,csr,zimm', i(5, 0x73)),
  def('csrrsi', 'CSRI', 'Zicsr', 'rd,csr,zimm', i(6, 0x73)),
  def('csrrci', 'CSRI', 'Zicsr', 'rd,csr,zimm', i(7, 0x73)),

  // ---- M (ch. 7) ----
  def('mul', 'R', 'M', 'rd,rs1,rs2', r(1, 0, 0x33)),
  def('mulh', 'R', 'M', 'rd,rs1,rs2', r(1, 1, 0x33)),
  def('mulhsu', 'R', 'M', 'rd,rs1,rs2', r(1, 2, 0x33)),
  def('mulhu', 'R', 'M', 'rd,rs1,rs2', r(1, 3, 0x33)),
  def('div', 'R', 'M', 'rd,rs1,rs2', r(1, 4, 0x33)),
  def('divu', 'R', 'M', 'rd,rs1,rs2', r(1, 5, 0x33)),
  def('rem', 'R', 'M', 'rd,rs1,rs2', r(1, 6, 0x33)),
  def('remu', 'R', 'M', 'rd,rs1,rs2', r(1, 7, 0x33)),
  def('mulw', 'R', 'M', 'rd,rs1,rs2', r(1, 0, 0x3b)),
  def('divw', 'R', 'M', 'rd,rs1,rs2', r(1, 4, 0x3b)),
  def('divuw', 'R', 'M', 'rd,rs1,rs2', r(1, 5, 0x3b)),
  def('remw', 'R', 'M', 'rd,rs1,rs2', r(1, 6, 0x3b)),
  def('remuw', 'R', 'M', 'rd,rs1,rs2', r(1, 7, 0x3b)),

  // ---- A (ch. 8): aq/rl are bits 26/25, written as .aq/.rl/.aqrl suffixes ----
  def('lr.w', 'AMO', 'A', 'rd,(rs1)', `24..20=0 ${amo(0x02, 2)}`, AQRL),
  def('sc.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x03, 2), AQRL),
  def('amoswap.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x01, 2), AQRL),
  def('amoadd.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x00, 2), AQRL),
  def('amoxor.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x04, 2), AQRL),
  def('amoand.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x0c, 2), AQRL),
  def('amoor.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x08, 2), AQRL),
  def('amomin.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x10, 2), AQRL),
  def('amomax.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x14, 2), AQRL),
  def('amominu.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x18, 2), AQRL),
  def('amomaxu.w', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x1c, 2), AQRL),
  def('lr.d', 'AMO', 'A', 'rd,(rs1)', `24..20=0 ${amo(0x02, 3)}`, AQRL),
  def('sc.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x03, 3), AQRL),
  def('amoswap.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x01, 3), AQRL),
  def('amoadd.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x00, 3), AQRL),
  def('amoxor.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x04, 3), AQRL),
  def('amoand.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x0c, 3), AQRL),
  def('amoor.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x08, 3), AQRL),
  def('amomin.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x10, 3), AQRL),
  def('amomax.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x14, 3), AQRL),
  def('amominu.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x18, 3), AQRL),
  def('amomaxu.d', 'AMO', 'A', 'rd,rs2,(rs1)', amo(0x1c, 3), AQRL),

  // ---- F (ch. 11) and D (ch. 12); fmt S=00, D=01 ----
  def('flw', 'I', 'F', 'frd,imm12(rs1)', i(2, 0x07)),
  def('fsw', 'S', 'F', 'frs2,simm12(rs1)', i(2, 0x27)),
  def('fld', 'I', 'D', 'frd,imm12(rs1)', i(3, 0x07)),
  def('fsd', 'S', 'D', 'frs2,simm12(rs1)', i(3, 0x27)),
  ...(['s', 'd'] as const).flatMap((t, fmt) => {
    const x: Extension = t === 's' ? 'F' : 'D';
    return [
      def(`fmadd.${t}`, 'R4', x, 'frd,frs1,frs2,frs3,rm', `26..25=${fmt} 6..0=0x43`),
      def(`fmsub.${t}`, 'R4', x, 'frd,frs1,frs2,frs3,rm', `26..25=${fmt} 6..0=0x47`),
      def(`fnmsub.${t}`, 'R4', x, 'frd,frs1,frs2,frs3,rm', `26..25=${fmt} 6..0=0x4b`),
      def(`fnmadd.${t}`, 'R4', x, 'frd,frs1,frs2,frs3,rm', `26..25=${fmt} 6..0=0x4f`),
      def(`fadd.${t}`, 'R', x, 'frd,frs1,frs2,rm', fp(0x00, fmt)),
      def(`fsub.${t}`, 'R', x, 'frd,frs1,frs2,rm', fp(0x01, fmt)),
      def(`fmul.${t}`, 'R', x, 'frd,frs1,frs2,rm', fp(0x02, fmt)),
      def(`fdiv.${t}`, 'R', x, 'frd,frs1,frs2,rm', fp(0x03, fmt)),
      def(`fsqrt.${t}`, 'R', x, 'frd,frs1,rm', `${fp(0x0b, fmt)} 24..20=0`),
      def(`fsgnj.${t}`, 'R', x, 'frd,frs1,frs2', `${fp(0x04, fmt)} 14..12=0`),
      def(`fsgnjn.${t}`, 'R', x, 'frd,frs1,frs2', `${fp(0x04, fmt)} 14..12=1`),
      def(`fsgnjx.${t}`, 'R', x, 'frd,frs1,frs2', `${fp(0x04, fmt)} 14..12=2`),
      def(`fmin.${t}`, 'R', x, 'frd,frs1,frs2', `${fp(0x05, fmt)} 14..12=0`),
      def(`fmax.${t}`, 'R', x, 'frd,frs1,frs2', `${fp(0x05, fmt)} 14..12=1`),
      def(`feq.${t}`, 'R', x, 'rd,frs1,frs2', `${fp(0x14, fmt)} 14..12=2`),
      def(`flt.${t}`, 'R', x, 'rd,frs1,frs2', `${fp(0x14, fmt)} 14..12=1`),
      def(`fle.${t}`, 'R', x, 'rd,frs1,frs2', `${fp(0x14, fmt)} 14..12=0`),
      def(`fclass.${t}`, 'R', x, 'rd,frs1', `${fp(0x1c, fmt)} 24..20=0 14..12=1`),
      def(`fcvt.w.${t}`, 'R', x, 'rd,frs1,rm', `${fp(0x18, fmt)} 24..20=0`),
      def(`fcvt.wu.${t}`, 'R', x, 'rd,frs1,rm', `${fp(0x18, fmt)} 24..20=1`),
      def(`fcvt.l.${t}`, 'R', x, 'rd,frs1,rm', `${fp(0x18, fmt)} 24..20=2`),
      def(`fcvt.lu.${t}`, 'R', x, 'rd,frs1,rm', `${fp(0x18, fmt)} 24..20=3`),
      def(`fcvt.${t}.w`, 'R', x, 'frd,rs1,rm', `${fp(0x1a, fmt)} 24..20=0`),
      def(`fcvt.${t}.wu`, 'R', x, 'frd,rs1,rm', `${fp(0x1a, fmt)} 24..20=1`),
      def(`fcvt.${t}.l`, 'R', x, 'frd,rs1,rm', `${fp(0x1a, fmt)} 24..20=2`),
      def(`fcvt.${t}.lu`, 'R', x, 'frd,rs1,rm', `${fp(0x1a, fmt)} 24..20=3`),
      def(t === 's' ? 'fmv.x.w' : 'fmv.x.d', 'R', x, 'rd,frs1', `${fp(0x1c, fmt)} 24..20=0 14..12=0`),
      def(t === 's' ? 'fmv.w.x' : 'fmv.d.x', 'R', x, 'frd,rs1', `${fp(0x1e, fmt)} 24..20=0 14..12=0`),
    ];
  }),
  def('fcvt.s.d', 'R', 'D', 'frd,frs1,rm', `${fp(0x08, 0)} 24..20=1`),
  def('fcvt.d.s', 'R', 'D', 'frd,frs1,rm', `${fp(0x08, 1)} 24..20=0`),

  // ---- Privileged (Privileged ISA 3.3.2 MRET/SRET, 3.3.3 WFI, 4.2.1 SFENCE.VMA) ----
  def('sret', 'SYSTEM', 'Priv', '', '31..0=0x10200073'),
  def('mret', 'SYSTEM', 'Priv', '', '31..0=0x30200073'),
  def('wfi', 'SYSTEM', 'Priv', '', '31..0=0x10500073'),
  def('sfence.vma', 'R', 'Priv', 'rs1,rs2', '31..25=0x09 14..7=0 6..0=0x73'),
  // Debug spec 4.1 (Sdext): DRET, decoded by GNU objdump in its default ISA.
  def('dret', 'SYSTEM', 'Sdext', '', '31..0=0x7b200073'),

  // ---- Hypervisor (Privileged ISA 9.2.1 HFENCE, 9.2.2 hypervisor virtual-machine loads/stores) ----
  def('hfence.vvma', 'R', 'H', 'rs1,rs2', '31..25=0x11 14..7=0 6..0=0x73'),
  def('hfence.gvma', 'R', 'H', 'rs1,rs2', '31..25=0x31 14..7=0 6..0=0x73'),
  def('hlv.b', 'R', 'H', 'rd,(rs1)', `31..25=0x30 24..20=0 ${i(4, 0x73)}`),
  def('hlv.bu', 'R', 'H', 'rd,(rs1)', `31..25=0x30 24..20=1 ${i(4, 0x73)}`),
  def('hlv.h', 'R', 'H', 'rd,(rs1)', `31..25=0x32 24..20=0 ${i(4, 0x73)}`),
  def('hlv.hu', 'R', 'H', 'rd,(rs1)', `31..25=0x32 24..20=1 ${i(4, 0x73)}`),
  def('hlvx.hu', 'R', 'H', 'rd,(rs1)', `31..25=0x32 24..20=3 ${i(4, 0x73)}`),
  def('hlv.w', 'R', 'H', 'rd,(rs1)', `31..25=0x34 24..20=0 ${i(4, 0x73)}`),
  def('hlv.wu', 'R', 'H', 'rd,(rs1)', `31..25=0x34 24..20=1 ${i(4, 0x73)}`),
  def('hlvx.wu', 'R', 'H', 'rd,(rs1)', `31..25=0x34 24..20=3 ${i(4, 0x73)}`),
  def('hlv.d', 'R', 'H', 'rd,(rs1)', `31..25=0x36 24..20=0 ${i(4, 0x73)}`),
  def('hsv.b', 'R', 'H', 'rs2,(rs1)', `31..25=0x31 11..7=0 ${i(4, 0x73)}`),
  def('hsv.h', 'R', 'H', 'rs2,(rs1)', `31..25=0x33 11..7=0 ${i(4, 0x73)}`),
  def('hsv.w', 'R', 'H', 'rs2,(rs1)', `31..25=0x35 11..7=0 ${i(4, 0x73)}`),
  def('hsv.d', 'R', 'H', 'rs2,(rs1)', `31..25=0x37 11..7=0 ${i(4, 0x73)}`),

  // ---- RV64C (Unprivileged ISA ch. 16, Tables 16.5-16.7) ----
  // Quadrant 0
  def('c.addi4spn', 'CIW', 'C', 'c_rdp,sp,c_nzuimm10', '15..13=0 1..0=0', { reserved: 'c_nzuimm10=0' }),
  def('c.fld', 'CL', 'C', 'c_frdp,c_uimm8(c_rs1p)', '15..13=1 1..0=0'),
  def('c.lw', 'CL', 'C', 'c_rdp,c_uimm7(c_rs1p)', '15..13=2 1..0=0'),
  def('c.ld', 'CL', 'C', 'c_rdp,c_uimm8(c_rs1p)', '15..13=3 1..0=0'),
  def('c.fsd', 'CS', 'C', 'c_frs2p,c_uimm8(c_rs1p)', '15..13=5 1..0=0'),
  def('c.sw', 'CS', 'C', 'c_rs2p,c_uimm7(c_rs1p)', '15..13=6 1..0=0'),
  def('c.sd', 'CS', 'C', 'c_rs2p,c_uimm8(c_rs1p)', '15..13=7 1..0=0'),
  // Quadrant 1
  def('c.nop', 'CI', 'C', '', '15..0=0x0001', { specializes: 'c.addi' }),
  def('c.addi', 'CI', 'C', 'c_rd,c_imm6', '15..13=0 1..0=1'),
  def('c.addiw', 'CI', 'C', 'c_rd,c_imm6', '15..13=1 1..0=1', { reserved: 'c_rd=0' }),
  def('c.li', 'CI', 'C', 'c_rd,c_imm6', '15..13=2 1..0=1'),
  def('c.addi16sp', 'CI', 'C', 'sp,c_nzimm10', '15..13=3 11..7=2 1..0=1', { reserved: 'c_nzimm10=0', specializes: 'c.lui' }),
  def('c.lui', 'CI', 'C', 'c_rd,c_imm6', '15..13=3 1..0=1', { reserved: 'c_imm6=0' }),
  def('c.srli', 'CB', 'C', 'c_rs1p,c_shamt', '15..13=4 11..10=0 1..0=1'),
  def('c.srai', 'CB', 'C', 'c_rs1p,c_shamt', '15..13=4 11..10=1 1..0=1'),
  def('c.andi', 'CB', 'C', 'c_rs1p,c_imm6', '15..13=4 11..10=2 1..0=1'),
  def('c.sub', 'CA', 'C', 'c_rs1p,c_rs2p', '15..10=0x23 6..5=0 1..0=1'),
  def('c.xor', 'CA', 'C', 'c_rs1p,c_rs2p', '15..10=0x23 6..5=1 1..0=1'),
  def('c.or', 'CA', 'C', 'c_rs1p,c_rs2p', '15..10=0x23 6..5=2 1..0=1'),
  def('c.and', 'CA', 'C', 'c_rs1p,c_rs2p', '15..10=0x23 6..5=3 1..0=1'),
  def('c.subw', 'CA', 'C', 'c_rs1p,c_rs2p', '15..10=0x27 6..5=0 1..0=1'),
  def('c.addw', 'CA', 'C', 'c_rs1p,c_rs2p', '15..10=0x27 6..5=1 1..0=1'),
  def('c.j', 'CJ', 'C', 'c_jimm11', '15..13=5 1..0=1'),
  def('c.beqz', 'CB', 'C', 'c_rs1p,c_bimm9', '15..13=6 1..0=1'),
  def('c.bnez', 'CB', 'C', 'c_rs1p,c_bimm9', '15..13=7 1..0=1'),
  // Quadrant 2
  def('c.slli', 'CI', 'C', 'c_rd,c_shamt', '15..13=0 1..0=2'),
  def('c.fldsp', 'CI', 'C', 'c_frd,c_uimm9sp(sp)', '15..13=1 1..0=2'),
  def('c.lwsp', 'CI', 'C', 'c_rd,c_uimm8sp(sp)', '15..13=2 1..0=2', { reserved: 'c_rd=0' }),
  def('c.ldsp', 'CI', 'C', 'c_rd,c_uimm9sp(sp)', '15..13=3 1..0=2', { reserved: 'c_rd=0' }),
  def('c.jr', 'CR', 'C', 'c_rd', '15..12=8 6..2=0 1..0=2', { reserved: 'c_rd=0', specializes: 'c.mv' }),
  def('c.mv', 'CR', 'C', 'c_rd,c_rs2', '15..12=8 1..0=2'),
  def('c.ebreak', 'CR', 'C', '', '15..0=0x9002', { specializes: 'c.jalr' }),
  def('c.jalr', 'CR', 'C', 'c_rd', '15..12=9 6..2=0 1..0=2', { specializes: 'c.add' }),
  def('c.add', 'CR', 'C', 'c_rd,c_rs2', '15..12=9 1..0=2'),
  def('c.fsdsp', 'CSS', 'C', 'c_frs2,c_uimm9sp_s(sp)', '15..13=5 1..0=2'),
  def('c.swsp', 'CSS', 'C', 'c_rs2,c_uimm8sp_s(sp)', '15..13=6 1..0=2'),
  def('c.sdsp', 'CSS', 'C', 'c_rs2,c_uimm9sp_s(sp)', '15..13=7 1..0=2'),
];

/** Entries by mnemonic. */
export const INSTRUCTION_BY_MNEMONIC: ReadonlyMap<string, InsnEncoding> = new Map(INSTRUCTIONS.map((e) => [e.mnemonic, e]));
