/**
 * The six base instruction formats (unpriv spec 2.2–2.3), as builders returning the 32-bit word.
 * Used by the test encoder and the benchmarks; the hart itself reads only the opcode constants.
 */

export function rType(opcode: number, rd: number, funct3: number, rs1: number, rs2: number, funct7: number): number {
  return (opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15) | (rs2 << 20) | (funct7 << 25)) | 0;
}

export function iType(opcode: number, rd: number, funct3: number, rs1: number, imm: number): number {
  return (opcode | (rd << 7) | (funct3 << 12) | (rs1 << 15) | ((imm & 0xfff) << 20)) | 0;
}

export function sType(opcode: number, funct3: number, rs1: number, rs2: number, imm: number): number {
  return (opcode | ((imm & 0x1f) << 7) | (funct3 << 12) | (rs1 << 15) | (rs2 << 20) | (((imm >> 5) & 0x7f) << 25)) | 0;
}

export function bType(opcode: number, funct3: number, rs1: number, rs2: number, imm: number): number {
  return (
    opcode |
    (((imm >> 11) & 1) << 7) |
    (((imm >> 1) & 0xf) << 8) |
    (funct3 << 12) |
    (rs1 << 15) |
    (rs2 << 20) |
    (((imm >> 5) & 0x3f) << 25) |
    (((imm >> 12) & 1) << 31)
  ) | 0;
}

/** `imm` is the full 32-bit value whose upper 20 bits are placed (LUI/AUIPC semantics). */
export function uType(opcode: number, rd: number, imm: number): number {
  return (opcode | (rd << 7) | (imm & 0xfffff000)) | 0;
}

export function jType(opcode: number, rd: number, imm: number): number {
  return (
    opcode |
    (rd << 7) |
    (((imm >> 12) & 0xff) << 12) |
    (((imm >> 11) & 1) << 20) |
    (((imm >> 1) & 0x3ff) << 21) |
    (((imm >> 20) & 1) << 31)
  ) | 0;
}

/** Major opcodes (unpriv spec table 24.1). */
export const OP_LOAD = 0x03;
export const OP_LOAD_FP = 0x07;
export const OP_MISC_MEM = 0x0f;
export const OP_IMM = 0x13;
export const OP_AUIPC = 0x17;
export const OP_IMM_32 = 0x1b;
export const OP_STORE = 0x23;
export const OP_STORE_FP = 0x27;
export const OP_AMO = 0x2f;
export const OP_OP = 0x33;
export const OP_LUI = 0x37;
export const OP_OP_32 = 0x3b;
export const OP_MADD = 0x43;
export const OP_MSUB = 0x47;
export const OP_NMSUB = 0x4b;
export const OP_NMADD = 0x4f;
export const OP_FP = 0x53;
export const OP_BRANCH = 0x63;
export const OP_JALR = 0x67;
export const OP_JAL = 0x6f;
export const OP_SYSTEM = 0x73;
