import type { FieldName } from './fields.js';

/**
 * Operand syntax tokens, in GNU assembler order. Each names the field(s) it reads and how the
 * value is written: `imm12(rs1)` is a base+offset memory operand, `(rs1)` a bare address
 * (AMOs, H loads/stores), `sp` an implicit register the compressed form hard-wires.
 */
export type OperandKind =
  // integer / FP registers in the 32-bit formats
  | 'rd' | 'rs1' | 'rs2'
  | 'frd' | 'frs1' | 'frs2' | 'frs3'
  // immediates
  | 'imm12' | 'imm20' | 'shamtd' | 'shamtw' | 'csr' | 'zimm' | 'rm' | 'pred' | 'succ'
  | 'bimm12' | 'jimm20'
  // memory operands
  | 'imm12(rs1)' | 'simm12(rs1)' | '(rs1)'
  // compressed registers
  | 'c_rd' | 'c_rs2' | 'c_frd' | 'c_frs2' | 'c_rdp' | 'c_rs1p' | 'c_rs2p' | 'c_frdp' | 'c_frs2p'
  // compressed immediates and memory operands
  | 'c_imm6' | 'c_shamt' | 'c_nzimm10' | 'c_nzuimm10' | 'c_bimm9' | 'c_jimm11'
  | 'c_uimm7(c_rs1p)' | 'c_uimm8(c_rs1p)' | 'c_uimm8sp(sp)' | 'c_uimm9sp(sp)' | 'c_uimm8sp_s(sp)' | 'c_uimm9sp_s(sp)'
  | 'sp';

/** Which register file an operand names, or 'imm' for immediates. */
export type OperandClass = 'x' | 'f' | 'imm' | 'mem' | 'target' | 'csr' | 'rm' | 'fence' | 'fixed';

export interface OperandInfo {
  readonly cls: OperandClass;
  /** Fields the operand fills: the value field, then (for memory operands) the base register field. */
  readonly fields: readonly FieldName[];
  /** Register file of a memory operand's base register / of the register operand. */
  readonly reg?: 'x' | 'f';
}

export const OPERANDS: Record<OperandKind, OperandInfo> = {
  rd: { cls: 'x', fields: ['rd'] },
  rs1: { cls: 'x', fields: ['rs1'] },
  rs2: { cls: 'x', fields: ['rs2'] },
  frd: { cls: 'f', fields: ['rd'] },
  frs1: { cls: 'f', fields: ['rs1'] },
  frs2: { cls: 'f', fields: ['rs2'] },
  frs3: { cls: 'f', fields: ['rs3'] },
  imm12: { cls: 'imm', fields: ['imm12'] },
  imm20: { cls: 'imm', fields: ['imm20'] },
  shamtd: { cls: 'imm', fields: ['shamtd'] },
  shamtw: { cls: 'imm', fields: ['shamtw'] },
  csr: { cls: 'csr', fields: ['csr'] },
  zimm: { cls: 'imm', fields: ['zimm'] },
  rm: { cls: 'rm', fields: ['rm'] },
  pred: { cls: 'fence', fields: ['pred'] },
  succ: { cls: 'fence', fields: ['succ'] },
  bimm12: { cls: 'target', fields: ['bimm12'] },
  jimm20: { cls: 'target', fields: ['jimm20'] },
  'imm12(rs1)': { cls: 'mem', fields: ['imm12', 'rs1'] },
  'simm12(rs1)': { cls: 'mem', fields: ['simm12', 'rs1'] },
  '(rs1)': { cls: 'mem', fields: ['rs1'] },
  c_rd: { cls: 'x', fields: ['c_rd'] },
  c_rs2: { cls: 'x', fields: ['c_rs2'] },
  c_frd: { cls: 'f', fields: ['c_rd'] },
  c_frs2: { cls: 'f', fields: ['c_rs2'] },
  c_rdp: { cls: 'x', fields: ['c_rdp'] },
  c_rs1p: { cls: 'x', fields: ['c_rs1p'] },
  c_rs2p: { cls: 'x', fields: ['c_rs2p'] },
  c_frdp: { cls: 'f', fields: ['c_rdp'] },
  c_frs2p: { cls: 'f', fields: ['c_rs2p'] },
  c_imm6: { cls: 'imm', fields: ['c_imm6'] },
  c_shamt: { cls: 'imm', fields: ['c_shamt'] },
  c_nzimm10: { cls: 'imm', fields: ['c_nzimm10'] },
  c_nzuimm10: { cls: 'imm', fields: ['c_nzuimm10'] },
  c_bimm9: { cls: 'target', fields: ['c_bimm9'] },
  c_jimm11: { cls: 'target', fields: ['c_jimm11'] },
  'c_uimm7(c_rs1p)': { cls: 'mem', fields: ['c_uimm7', 'c_rs1p'] },
  'c_uimm8(c_rs1p)': { cls: 'mem', fields: ['c_uimm8', 'c_rs1p'] },
  'c_uimm8sp(sp)': { cls: 'mem', fields: ['c_uimm8sp'] },
  'c_uimm9sp(sp)': { cls: 'mem', fields: ['c_uimm9sp'] },
  'c_uimm8sp_s(sp)': { cls: 'mem', fields: ['c_uimm8sp_s'] },
  'c_uimm9sp_s(sp)': { cls: 'mem', fields: ['c_uimm9sp_s'] },
  sp: { cls: 'fixed', fields: [] },
};
