/**
 * A tiny RV64 encoder for tests: one function per mnemonic, returning the 32-bit word. Register
 * operands are numbers (x0..x31 / f0..f31). Compressed instructions are given as raw halfwords.
 */
import {
  bType, iType, jType, OP_AMO, OP_AUIPC, OP_BRANCH, OP_IMM, OP_IMM_32, OP_JAL, OP_JALR, OP_LOAD, OP_LOAD_FP, OP_LUI,
  OP_MISC_MEM, OP_OP, OP_OP_32, OP_STORE, OP_STORE_FP, OP_SYSTEM, rType, sType, uType,
} from '../formats.js';

const r = (f3: number, f7: number) => (rd: number, rs1: number, rs2: number): number => rType(OP_OP, rd, f3, rs1, rs2, f7);
const rw = (f3: number, f7: number) => (rd: number, rs1: number, rs2: number): number => rType(OP_OP_32, rd, f3, rs1, rs2, f7);
const i = (f3: number) => (rd: number, rs1: number, imm: number): number => iType(OP_IMM, rd, f3, rs1, imm);
const ld = (f3: number) => (rd: number, rs1: number, imm: number): number => iType(OP_LOAD, rd, f3, rs1, imm);
const st = (f3: number) => (rs2: number, rs1: number, imm: number): number => sType(OP_STORE, f3, rs1, rs2, imm);
const br = (f3: number) => (rs1: number, rs2: number, off: number): number => bType(OP_BRANCH, f3, rs1, rs2, off);

export const add = r(0, 0), sub = r(0, 0x20), sll = r(1, 0), slt = r(2, 0), sltu = r(3, 0), xor = r(4, 0);
export const srl = r(5, 0), sra = r(5, 0x20), or = r(6, 0), and = r(7, 0);
export const mul = r(0, 1), mulh = r(1, 1), mulhsu = r(2, 1), mulhu = r(3, 1);
export const div = r(4, 1), divu = r(5, 1), rem = r(6, 1), remu = r(7, 1);
export const addw = rw(0, 0), subw = rw(0, 0x20), sllw = rw(1, 0), srlw = rw(5, 0), sraw = rw(5, 0x20);
export const mulw = rw(0, 1), divw = rw(4, 1), divuw = rw(5, 1), remw = rw(6, 1), remuw = rw(7, 1);
export const addi = i(0), slti = i(2), sltiu = i(3), xori = i(4), ori = i(6), andi = i(7);
export const slli = (rd: number, rs1: number, sh: number): number => iType(OP_IMM, rd, 1, rs1, sh & 63);
export const srli = (rd: number, rs1: number, sh: number): number => iType(OP_IMM, rd, 5, rs1, sh & 63);
export const srai = (rd: number, rs1: number, sh: number): number => iType(OP_IMM, rd, 5, rs1, 0x400 | (sh & 63));
export const addiw = (rd: number, rs1: number, imm: number): number => iType(OP_IMM_32, rd, 0, rs1, imm);
export const slliw = (rd: number, rs1: number, sh: number): number => iType(OP_IMM_32, rd, 1, rs1, sh & 31);
export const srliw = (rd: number, rs1: number, sh: number): number => iType(OP_IMM_32, rd, 5, rs1, sh & 31);
export const sraiw = (rd: number, rs1: number, sh: number): number => iType(OP_IMM_32, rd, 5, rs1, 0x400 | (sh & 31));
export const lui = (rd: number, imm20: number): number => uType(OP_LUI, rd, imm20 << 12);
export const auipc = (rd: number, imm20: number): number => uType(OP_AUIPC, rd, imm20 << 12);
export const jal = (rd: number, off: number): number => jType(OP_JAL, rd, off);
export const jalr = (rd: number, rs1: number, imm: number): number => iType(OP_JALR, rd, 0, rs1, imm);
export const beq = br(0), bne = br(1), blt = br(4), bge = br(5), bltu = br(6), bgeu = br(7);
export const lb = ld(0), lh = ld(1), lw = ld(2), ldd = ld(3), lbu = ld(4), lhu = ld(5), lwu = ld(6);
export const sb = st(0), sh = st(1), sw = st(2), sd = st(3);
export const flw = (rd: number, rs1: number, imm: number): number => iType(OP_LOAD_FP, rd, 2, rs1, imm);
export const fld = (rd: number, rs1: number, imm: number): number => iType(OP_LOAD_FP, rd, 3, rs1, imm);
export const fsw = (rs2: number, rs1: number, imm: number): number => sType(OP_STORE_FP, 2, rs1, rs2, imm);
export const fsd = (rs2: number, rs1: number, imm: number): number => sType(OP_STORE_FP, 3, rs1, rs2, imm);

/** AMO: funct5 with aq/rl zero; width 'w' or 'd'. */
const amo = (funct5: number) => (w: 'w' | 'd', rd: number, rs1: number, rs2: number): number =>
  rType(OP_AMO, rd, w === 'w' ? 2 : 3, rs1, rs2, funct5 << 2);
export const lr = (w: 'w' | 'd', rd: number, rs1: number): number => amo(2)(w, rd, rs1, 0);
export const sc = amo(3), amoswap = amo(1), amoadd = amo(0), amoxor = amo(4), amoand = amo(0xc), amoor = amo(8);
export const amomin = amo(0x10), amomax = amo(0x14), amominu = amo(0x18), amomaxu = amo(0x1c);

export const csrrw = (rd: number, csr: number, rs1: number): number => iType(OP_SYSTEM, rd, 1, rs1, csr);
export const csrrs = (rd: number, csr: number, rs1: number): number => iType(OP_SYSTEM, rd, 2, rs1, csr);
export const csrrc = (rd: number, csr: number, rs1: number): number => iType(OP_SYSTEM, rd, 3, rs1, csr);
export const csrrwi = (rd: number, csr: number, zimm: number): number => iType(OP_SYSTEM, rd, 5, zimm, csr);
export const csrrsi = (rd: number, csr: number, zimm: number): number => iType(OP_SYSTEM, rd, 6, zimm, csr);
export const csrrci = (rd: number, csr: number, zimm: number): number => iType(OP_SYSTEM, rd, 7, zimm, csr);
export const csrr = (rd: number, csr: number): number => csrrs(rd, csr, 0);
export const csrw = (csr: number, rs1: number): number => csrrw(0, csr, rs1);

export const ECALL = 0x0000_0073;
export const EBREAK = 0x0010_0073;
export const MRET = 0x3020_0073;
export const SRET = 0x1020_0073;
export const WFI = 0x1050_0073;
export const FENCE = iType(OP_MISC_MEM, 0, 0, 0, 0x0ff);
export const FENCE_I = iType(OP_MISC_MEM, 0, 1, 0, 0);
export const NOP = addi(0, 0, 0);
/** Hypervisor instructions (priv spec 8.3): HLV/HLVX (sel 0 signed, 1 unsigned, 3 HLVX), HSV, HFENCE. */
export const hlv = (width: 1 | 2 | 4 | 8, sel: 0 | 1 | 3, rd: number, rs1: number): number =>
  rType(OP_SYSTEM, rd, 4, rs1, sel, 0x30 | (Math.log2(width) << 1));
export const hsv = (width: 1 | 2 | 4 | 8, rs2: number, rs1: number): number =>
  rType(OP_SYSTEM, 0, 4, rs1, rs2, 0x31 | (Math.log2(width) << 1));
export const hfenceVvma = (rs1: number, rs2: number): number => rType(OP_SYSTEM, 0, 0, rs1, rs2, 0x11);
export const hfenceGvma = (rs1: number, rs2: number): number => rType(OP_SYSTEM, 0, 0, rs1, rs2, 0x31);
export const sfenceVma = (rs1: number, rs2: number): number => rType(OP_SYSTEM, 0, 0, rs1, rs2, 0x09);

/** Lay out 32-bit words and 16-bit halfwords (wrap a halfword as {c: value}) into bytes. */
export function assembleWords(items: readonly (number | { c: number })[]): Uint8Array {
  const out: number[] = [];
  for (const it of items) {
    if (typeof it === 'number') out.push(it & 0xff, (it >>> 8) & 0xff, (it >>> 16) & 0xff, (it >>> 24) & 0xff);
    else out.push(it.c & 0xff, (it.c >>> 8) & 0xff);
  }
  return Uint8Array.from(out);
}
