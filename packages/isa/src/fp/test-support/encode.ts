/** Instruction encoders for tests (unpriv spec "RV32/64G Instruction Set Listings"). */
import {
  FUNCT5_FADD,
  FUNCT5_FCMP,
  FUNCT5_FCVT_FMT_FMT,
  FUNCT5_FCVT_FMT_INT,
  FUNCT5_FCVT_INT_FMT,
  FUNCT5_FDIV,
  FUNCT5_FMINMAX,
  FUNCT5_FMUL,
  FUNCT5_FMV_FMT_X,
  FUNCT5_FMV_X_FCLASS,
  FUNCT5_FSGNJ,
  FUNCT5_FSQRT,
  FUNCT5_FSUB,
  OP_FMADD,
  OP_FMSUB,
  OP_FNMADD,
  OP_FNMSUB,
  OP_FP,
} from '../decode.js';

export type Fmt = 'S' | 'D';
const FMT_BITS: Record<Fmt, number> = { S: 0, D: 1 };

/** R-type: funct7 | rs2 | rs1 | funct3 | rd | opcode. */
export function encodeR(opcode: number, funct7: number, rs2: number, rs1: number, funct3: number, rd: number): number {
  return ((funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}

/** R4-type: rs3 | fmt | rs2 | rs1 | rm | rd | opcode. */
export function encodeR4(
  opcode: number,
  rs3: number,
  fmt: number,
  rs2: number,
  rs1: number,
  rm: number,
  rd: number,
): number {
  return ((rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | opcode) >>> 0;
}

function opFp(funct5: number, fmt: Fmt, rs2: number, rs1: number, funct3: number, rd: number): number {
  return encodeR(OP_FP, (funct5 << 2) | FMT_BITS[fmt], rs2, rs1, funct3, rd);
}

export type BinaryOp = 'fadd' | 'fsub' | 'fmul' | 'fdiv';
const BINARY: Record<BinaryOp, number> = {
  fadd: FUNCT5_FADD,
  fsub: FUNCT5_FSUB,
  fmul: FUNCT5_FMUL,
  fdiv: FUNCT5_FDIV,
};
export function binary(op: BinaryOp, fmt: Fmt, rd: number, rs1: number, rs2: number, rm: number): number {
  return opFp(BINARY[op], fmt, rs2, rs1, rm, rd);
}
export function fsqrt(fmt: Fmt, rd: number, rs1: number, rm: number): number {
  return opFp(FUNCT5_FSQRT, fmt, 0, rs1, rm, rd);
}

export type FusedOp = 'fmadd' | 'fmsub' | 'fnmsub' | 'fnmadd';
const FUSED: Record<FusedOp, number> = {
  fmadd: OP_FMADD,
  fmsub: OP_FMSUB,
  fnmsub: OP_FNMSUB,
  fnmadd: OP_FNMADD,
};
export function fused(op: FusedOp, fmt: Fmt, rd: number, rs1: number, rs2: number, rs3: number, rm: number): number {
  return encodeR4(FUSED[op], rs3, FMT_BITS[fmt], rs2, rs1, rm, rd);
}

/** funct3 selectors: FSGNJ 0, FSGNJN 1, FSGNJX 2. */
export function fsgnj(kind: 0 | 1 | 2, fmt: Fmt, rd: number, rs1: number, rs2: number): number {
  return opFp(FUNCT5_FSGNJ, fmt, rs2, rs1, kind, rd);
}
export function fminmax(max: boolean, fmt: Fmt, rd: number, rs1: number, rs2: number): number {
  return opFp(FUNCT5_FMINMAX, fmt, rs2, rs1, max ? 1 : 0, rd);
}
export type CompareOp = 'feq' | 'flt' | 'fle';
const COMPARE: Record<CompareOp, number> = { feq: 2, flt: 1, fle: 0 };
export function fcmp(op: CompareOp, fmt: Fmt, rd: number, rs1: number, rs2: number): number {
  return opFp(FUNCT5_FCMP, fmt, rs2, rs1, COMPARE[op], rd);
}
export function fclass(fmt: Fmt, rd: number, rs1: number): number {
  return opFp(FUNCT5_FMV_X_FCLASS, fmt, 0, rs1, 1, rd);
}
/** FMV.X.W (fmt S) / FMV.X.D (fmt D). */
export function fmvToInt(fmt: Fmt, rd: number, rs1: number): number {
  return opFp(FUNCT5_FMV_X_FCLASS, fmt, 0, rs1, 0, rd);
}
/** FMV.W.X (fmt S) / FMV.D.X (fmt D). */
export function fmvFromInt(fmt: Fmt, rd: number, rs1: number): number {
  return opFp(FUNCT5_FMV_FMT_X, fmt, 0, rs1, 0, rd);
}

export type IntName = 'W' | 'WU' | 'L' | 'LU';
const INT_RS2: Record<IntName, number> = { W: 0, WU: 1, L: 2, LU: 3 };
/** FCVT.<int>.<fmt>: float register rs1 to integer register rd. */
export function fcvtToInt(int: IntName, fmt: Fmt, rd: number, rs1: number, rm: number): number {
  return opFp(FUNCT5_FCVT_INT_FMT, fmt, INT_RS2[int], rs1, rm, rd);
}
/** FCVT.<fmt>.<int>: integer register rs1 to float register rd. */
export function fcvtFromInt(fmt: Fmt, int: IntName, rd: number, rs1: number, rm: number): number {
  return opFp(FUNCT5_FCVT_FMT_INT, fmt, INT_RS2[int], rs1, rm, rd);
}
/** FCVT.S.D (to S) / FCVT.D.S (to D). */
export function fcvtFloat(to: Fmt, rd: number, rs1: number, rm: number): number {
  return opFp(FUNCT5_FCVT_FMT_FMT, to, to === 'S' ? 1 : 0, rs1, rm, rd);
}
