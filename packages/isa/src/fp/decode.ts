/**
 * Instruction fields and opcodes of the F and D extensions (unpriv spec chapter "RV32/64G
 * Instruction Set Listings"; R-type for OP-FP, R4-type for the fused multiply-adds).
 */
export const OP_FP = 0x53;
export const OP_FMADD = 0x43;
export const OP_FMSUB = 0x47;
export const OP_FNMSUB = 0x4b;
export const OP_FNMADD = 0x4f;

/** funct7[6:2] of OP-FP; funct7[1:0] is the fmt field (00 S, 01 D, 10 H, 11 Q). */
export const FUNCT5_FADD = 0x00;
export const FUNCT5_FSUB = 0x01;
export const FUNCT5_FMUL = 0x02;
export const FUNCT5_FDIV = 0x03;
export const FUNCT5_FSGNJ = 0x04;
export const FUNCT5_FMINMAX = 0x05;
export const FUNCT5_FCVT_FMT_FMT = 0x08;
export const FUNCT5_FSQRT = 0x0b;
export const FUNCT5_FCMP = 0x14;
export const FUNCT5_FCVT_INT_FMT = 0x18;
export const FUNCT5_FCVT_FMT_INT = 0x1a;
export const FUNCT5_FMV_X_FCLASS = 0x1c;
export const FUNCT5_FMV_FMT_X = 0x1e;

export const FMT_S = 0;
export const FMT_D = 1;

export function opcodeOf(insn: number): number {
  return insn & 0x7f;
}
export function rdOf(insn: number): number {
  return (insn >>> 7) & 0x1f;
}
/** funct3: the rm field for rounding instructions, a sub-operation selector otherwise. */
export function rmOf(insn: number): number {
  return (insn >>> 12) & 0x7;
}
export function rs1Of(insn: number): number {
  return (insn >>> 15) & 0x1f;
}
export function rs2Of(insn: number): number {
  return (insn >>> 20) & 0x1f;
}
export function rs3Of(insn: number): number {
  return (insn >>> 27) & 0x1f;
}
/** fmt: bits 26..25 in both R-type (low bits of funct7) and R4-type (funct2). */
export function fmtOf(insn: number): number {
  return (insn >>> 25) & 0x3;
}
export function funct5Of(insn: number): number {
  return (insn >>> 27) & 0x1f;
}
