import { maskOf, signExtend } from './bits.js';

/**
 * Operand fields of RISC-V instruction words: where each field's bits live and how a value
 * scatters into them. Names follow riscv-opcodes' arg_lut where one exists (rd, rs1, imm12,
 * bimm12, jimm20, shamtd...), and the unprivileged spec's RVC chapter for compressed fields
 * (Unprivileged ISA 20191213, ch. 16, Table 16.1 "Compressed instruction formats").
 */
export interface Field {
  readonly name: string;
  /** Bits of the instruction word the field occupies. */
  readonly bits: number;
  /** Value of the field (signed fields sign-extended, scaled fields in bytes). */
  decode(insn: number): number;
  /** Instruction bits for `value`, or undefined when the value does not fit the field. */
  encode(value: number): number | undefined;
  /** Legal value range and alignment, for error messages. */
  readonly min: number;
  readonly max: number;
  readonly align: number;
}

/** One contiguous piece of a scattered immediate: value bits [vhi..vlo] live at word bit `at`. */
interface Piece {
  vhi: number;
  vlo: number;
  at: number;
}

function scattered(name: string, pieces: Piece[], signed: boolean): Field {
  const top = Math.max(...pieces.map((p) => p.vhi));
  const low = Math.min(...pieces.map((p) => p.vlo));
  const width = top + 1;
  let bits = 0;
  for (const p of pieces) bits = (bits | maskOf(p.at + p.vhi - p.vlo, p.at)) >>> 0;
  const decodePieces = pieces.map((p) => ({ at: p.at, mask: 2 ** (p.vhi - p.vlo + 1) - 1, vlo: p.vlo }));
  const align = 2 ** low;
  const min = signed ? -(2 ** top) : 0;
  const max = signed ? 2 ** top - align : 2 ** width - align;
  return {
    name,
    bits,
    min,
    max,
    align,
    decode(insn) {
      // Every scattered immediate is at most 21 bits wide, so int32 shifts are exact here (this
      // runs 64 Ki times when the hart builds its RVC table).
      let v = 0;
      for (const p of decodePieces) v |= ((insn >>> p.at) & p.mask) << p.vlo;
      return signed ? signExtend(v, width) : v;
    },
    encode(value) {
      if (!Number.isInteger(value) || value < min || value > max || value % align !== 0) return undefined;
      const u = value < 0 ? value + 2 ** width : value;
      let w = 0;
      for (const p of decodePieces) w |= ((u >>> p.vlo) & p.mask) << p.at;
      return w >>> 0;
    },
  };
}

/** A plain unsigned field at bits hi..lo, optionally offset (x8-x15 for the 3-bit RVC registers). */
function plain(name: string, hi: number, lo: number, bias = 0): Field {
  const width = hi - lo + 1;
  // Plain fields are at most 20 bits wide: the int32 mask is exact.
  const fieldMask = 2 ** width - 1;
  return {
    name,
    bits: maskOf(hi, lo),
    min: bias,
    max: bias + 2 ** width - 1,
    align: 1,
    decode: (insn) => ((insn >>> lo) & fieldMask) + bias,
    encode(value) {
      const v = value - bias;
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** width) return undefined;
      return (v * 2 ** lo) >>> 0;
    },
  };
}

const p = (vhi: number, vlo: number, at: number): Piece => ({ vhi, vlo, at });

/** All fields by name. */
export const FIELDS = {
  // --- 32-bit base formats (Unprivileged ISA, 2.2 "Base Instruction Formats") ---
  rd: plain('rd', 11, 7),
  rs1: plain('rs1', 19, 15),
  rs2: plain('rs2', 24, 20),
  rs3: plain('rs3', 31, 27),
  /** I-type immediate inst[31:20]. */
  imm12: scattered('imm12', [p(11, 0, 20)], true),
  /** S-type immediate inst[31:25|11:7]. */
  simm12: scattered('simm12', [p(11, 5, 25), p(4, 0, 7)], true),
  /** B-type offset imm[12|10:5] at 31:25, imm[4:1|11] at 11:7. */
  bimm12: scattered('bimm12', [p(12, 12, 31), p(10, 5, 25), p(4, 1, 8), p(11, 11, 7)], true),
  /** J-type offset imm[20|10:1|11|19:12] at 31:12. */
  jimm20: scattered('jimm20', [p(20, 20, 31), p(10, 1, 21), p(11, 11, 20), p(19, 12, 12)], true),
  /** U-type immediate inst[31:12], as the 20-bit unsigned number assembly syntax uses. */
  imm20: plain('imm20', 31, 12),
  /** RV64 shift amount (6 bits). */
  shamtd: plain('shamtd', 25, 20),
  /** *W shift amount (5 bits). */
  shamtw: plain('shamtw', 24, 20),
  csr: plain('csr', 31, 20),
  /** CSR immediate (uimm[4:0] in rs1). */
  zimm: plain('zimm', 19, 15),
  /** Floating-point rounding mode (Unprivileged ISA 11.2, Table 11.1). */
  rm: plain('rm', 14, 12),
  aq: plain('aq', 26, 26),
  rl: plain('rl', 25, 25),
  /** FENCE fields (Unprivileged ISA 2.7). */
  fm: plain('fm', 31, 28),
  pred: plain('pred', 27, 24),
  succ: plain('succ', 23, 20),

  // --- Compressed (Unprivileged ISA ch. 16) ---
  /** Full 5-bit rd/rs1 at 11:7 (CR, CI, CSS formats). */
  c_rd: plain('c_rd', 11, 7),
  /** Full 5-bit rs2 at 6:2. */
  c_rs2: plain('c_rs2', 6, 2),
  /** rd' at 4:2 (x8-x15 / f8-f15). */
  c_rdp: plain('c_rdp', 4, 2, 8),
  /** rs1' at 9:7. */
  c_rs1p: plain('c_rs1p', 9, 7, 8),
  /** rs2' at 4:2. */
  c_rs2p: plain('c_rs2p', 4, 2, 8),
  /** CI immediate imm[5] at 12, imm[4:0] at 6:2 (c.addi, c.addiw, c.li, c.andi; c.lui's nzimm[17:12]). */
  c_imm6: scattered('c_imm6', [p(5, 5, 12), p(4, 0, 2)], true),
  /** CI shift amount shamt[5] at 12, shamt[4:0] at 6:2. */
  c_shamt: scattered('c_shamt', [p(5, 5, 12), p(4, 0, 2)], false),
  /** c.addi16sp nzimm[9] at 12, nzimm[4|6|8:7|5] at 6:2. */
  c_nzimm10: scattered('c_nzimm10', [p(9, 9, 12), p(4, 4, 6), p(6, 6, 5), p(8, 7, 3), p(5, 5, 2)], true),
  /** c.addi4spn nzuimm[5:4|9:6|2|3] at 12:5. */
  c_nzuimm10: scattered('c_nzuimm10', [p(5, 4, 11), p(9, 6, 7), p(2, 2, 6), p(3, 3, 5)], false),
  /** CL/CS word offset uimm[5:3] at 12:10, uimm[2] at 6, uimm[6] at 5. */
  c_uimm7: scattered('c_uimm7', [p(5, 3, 10), p(2, 2, 6), p(6, 6, 5)], false),
  /** CL/CS doubleword offset uimm[5:3] at 12:10, uimm[7:6] at 6:5. */
  c_uimm8: scattered('c_uimm8', [p(5, 3, 10), p(7, 6, 5)], false),
  /** c.lwsp uimm[5] at 12, uimm[4:2|7:6] at 6:2. */
  c_uimm8sp: scattered('c_uimm8sp', [p(5, 5, 12), p(4, 2, 4), p(7, 6, 2)], false),
  /** c.ldsp/c.fldsp uimm[5] at 12, uimm[4:3|8:6] at 6:2. */
  c_uimm9sp: scattered('c_uimm9sp', [p(5, 5, 12), p(4, 3, 5), p(8, 6, 2)], false),
  /** c.swsp uimm[5:2|7:6] at 12:7. */
  c_uimm8sp_s: scattered('c_uimm8sp_s', [p(5, 2, 9), p(7, 6, 7)], false),
  /** c.sdsp/c.fsdsp uimm[5:3|8:6] at 12:7. */
  c_uimm9sp_s: scattered('c_uimm9sp_s', [p(5, 3, 10), p(8, 6, 7)], false),
  /** CB branch offset imm[8|4:3] at 12:10, imm[7:6|2:1|5] at 6:2. */
  c_bimm9: scattered('c_bimm9', [p(8, 8, 12), p(4, 3, 10), p(7, 6, 5), p(2, 1, 3), p(5, 5, 2)], true),
  /** CJ jump offset imm[11|4|9:8|10|6|7|3:1|5] at 12:2. */
  c_jimm11: scattered(
    'c_jimm11',
    [p(11, 11, 12), p(4, 4, 11), p(9, 8, 9), p(10, 10, 8), p(6, 6, 7), p(7, 7, 6), p(3, 1, 3), p(5, 5, 2)],
    true,
  ),
} as const satisfies Record<string, Field>;

export type FieldName = keyof typeof FIELDS;
