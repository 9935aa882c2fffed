/**
 * RVC (unpriv spec chapter 16): every 16-bit encoding expands to one 32-bit instruction with the
 * same effect, so the executor only knows the 32-bit forms. The link address and pc step use the
 * original length (2), which the executor tracks separately.
 *
 * The whole 64 Ki space is expanded once into a table; 0 marks reserved/illegal encodings (0 is
 * never a valid 32-bit instruction because its low bits are not 11).
 */
import {
  bType, iType, jType, OP_BRANCH, OP_IMM, OP_IMM_32, OP_JAL, OP_JALR, OP_LOAD, OP_LOAD_FP, OP_LUI, OP_OP, OP_OP_32,
  OP_STORE, OP_STORE_FP, OP_SYSTEM, rType, sType, uType,
} from './formats.js';

const bit = (v: number, i: number): number => (v >> i) & 1;
const bits = (v: number, hi: number, lo: number): number => (v >> lo) & ((1 << (hi - lo + 1)) - 1);
/** Sign-extend the low `n` bits. */
const sext = (v: number, n: number): number => (v << (32 - n)) >> (32 - n);

/** Expand one 16-bit RVC instruction (low two bits != 11) to its 32-bit equivalent; 0 = illegal. */
export function expandCompressed(c: number): number {
  const op = c & 3;
  const f3 = bits(c, 15, 13);
  const rdFull = bits(c, 11, 7);
  const rs2Full = bits(c, 6, 2);
  const rdP = bits(c, 4, 2) + 8; // rd'/rs2' in bits 4:2
  const rs1P = bits(c, 9, 7) + 8; // rs1'/rd' in bits 9:7
  if (op === 0) {
    switch (f3) {
      case 0: {
        // C.ADDI4SPN: nzuimm[5:4|9:6|2|3] = c[12:11|10:7|6|5]; nzuimm == 0 is reserved (16.5).
        const imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bit(c, 6) << 2) | (bit(c, 5) << 3);
        return imm === 0 ? 0 : iType(OP_IMM, rdP, 0, 2, imm);
      }
      case 1: // C.FLD
        return iType(OP_LOAD_FP, rdP, 3, rs1P, (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6));
      case 2: // C.LW
        return iType(OP_LOAD, rdP, 2, rs1P, (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6));
      case 3: // C.LD
        return iType(OP_LOAD, rdP, 3, rs1P, (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6));
      case 4: // reserved
        return 0;
      case 5: // C.FSD
        return sType(OP_STORE_FP, 3, rs1P, rdP, (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6));
      case 6: // C.SW
        return sType(OP_STORE, 2, rs1P, rdP, (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6));
      default: // C.SD
        return sType(OP_STORE, 3, rs1P, rdP, (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6));
    }
  }
  if (op === 1) {
    const imm6 = sext((bit(c, 12) << 5) | rs2Full, 6);
    switch (f3) {
      case 0: // C.ADDI (rd=0: C.NOP / hint)
        return iType(OP_IMM, rdFull, 0, rdFull, imm6);
      case 1: // C.ADDIW (RV64); rd=0 reserved
        return rdFull === 0 ? 0 : iType(OP_IMM_32, rdFull, 0, rdFull, imm6);
      case 2: // C.LI
        return iType(OP_IMM, rdFull, 0, 0, imm6);
      case 3: {
        if (rdFull === 2) {
          // C.ADDI16SP: nzimm[9|4|6|8:7|5] = c[12|6|5|4:3|2]
          const imm = sext(
            (bit(c, 12) << 9) | (bit(c, 6) << 4) | (bit(c, 5) << 6) | (bits(c, 4, 3) << 7) | (bit(c, 2) << 5),
            10,
          );
          return imm === 0 ? 0 : iType(OP_IMM, 2, 0, 2, imm);
        }
        // C.LUI: nzimm[17|16:12]; nzimm == 0 reserved
        if (imm6 === 0) return 0;
        return uType(OP_LUI, rdFull, imm6 << 12);
      }
      case 4: {
        const shamt = (bit(c, 12) << 5) | rs2Full;
        switch (bits(c, 11, 10)) {
          case 0: return iType(OP_IMM, rs1P, 5, rs1P, shamt); // C.SRLI
          case 1: return iType(OP_IMM, rs1P, 5, rs1P, shamt | 0x400); // C.SRAI
          case 2: return iType(OP_IMM, rs1P, 7, rs1P, imm6); // C.ANDI
          default: {
            const f = bits(c, 6, 5);
            if (bit(c, 12) === 0) {
              // C.SUB, C.XOR, C.OR, C.AND
              const funct3 = [0, 4, 6, 7][f]!;
              return rType(OP_OP, rs1P, funct3, rs1P, rdP, f === 0 ? 0x20 : 0);
            }
            if (f === 0) return rType(OP_OP_32, rs1P, 0, rs1P, rdP, 0x20); // C.SUBW
            if (f === 1) return rType(OP_OP_32, rs1P, 0, rs1P, rdP, 0); // C.ADDW
            return 0; // reserved
          }
        }
      }
      case 5: {
        // C.J: offset[11|4|9:8|10|6|7|3:1|5] = c[12|11|10:9|8|7|6|5:3|2]
        const imm = sext(
          (bit(c, 12) << 11) | (bit(c, 11) << 4) | (bits(c, 10, 9) << 8) | (bit(c, 8) << 10) |
            (bit(c, 7) << 6) | (bit(c, 6) << 7) | (bits(c, 5, 3) << 1) | (bit(c, 2) << 5),
          12,
        );
        return jType(OP_JAL, 0, imm);
      }
      default: {
        // C.BEQZ / C.BNEZ: offset[8|4:3] = c[12:10], offset[7:6|2:1|5] = c[6:2]
        const imm = sext(
          (bit(c, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) | (bits(c, 4, 3) << 1) | (bit(c, 2) << 5),
          9,
        );
        return bType(OP_BRANCH, f3 === 6 ? 0 : 1, rs1P, 0, imm);
      }
    }
  }
  if (op === 2) {
    switch (f3) {
      case 0: // C.SLLI (rd=0 hint)
        return iType(OP_IMM, rdFull, 1, rdFull, (bit(c, 12) << 5) | rs2Full);
      case 1: // C.FLDSP: uimm[5|4:3|8:6]
        return iType(OP_LOAD_FP, rdFull, 3, 2, (bit(c, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6));
      case 2: // C.LWSP: uimm[5|4:2|7:6]; rd=0 reserved
        if (rdFull === 0) return 0;
        return iType(OP_LOAD, rdFull, 2, 2, (bit(c, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6));
      case 3: // C.LDSP; rd=0 reserved
        if (rdFull === 0) return 0;
        return iType(OP_LOAD, rdFull, 3, 2, (bit(c, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6));
      case 4:
        if (bit(c, 12) === 0) {
          if (rs2Full === 0) return rdFull === 0 ? 0 : iType(OP_JALR, 0, 0, rdFull, 0); // C.JR
          return rType(OP_OP, rdFull, 0, 0, rs2Full, 0); // C.MV
        }
        if (rs2Full === 0) {
          if (rdFull === 0) return iType(OP_SYSTEM, 0, 0, 0, 1); // C.EBREAK
          return iType(OP_JALR, 1, 0, rdFull, 0); // C.JALR
        }
        return rType(OP_OP, rdFull, 0, rdFull, rs2Full, 0); // C.ADD
      case 5: // C.FSDSP: uimm[5:3|8:6] = c[12:10|9:7]
        return sType(OP_STORE_FP, 3, 2, rs2Full, (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6));
      case 6: // C.SWSP: uimm[5:2|7:6] = c[12:9|8:7]
        return sType(OP_STORE, 2, 2, rs2Full, (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6));
      default: // C.SDSP
        return sType(OP_STORE, 3, 2, rs2Full, (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6));
    }
  }
  return 0; // op == 3 is not compressed
}

let table: Int32Array | undefined;

/** The expansion of every 16-bit value (index = the halfword), built on first use. */
export function compressedTable(): Int32Array {
  if (table === undefined) {
    table = new Int32Array(65536);
    for (let c = 0; c < 65536; c++) if ((c & 3) !== 3) table[c] = expandCompressed(c);
  }
  return table;
}
