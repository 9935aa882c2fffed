import { decodeEntry } from './decode.js';
import { FIELDS, type FieldName } from './fields.js';

/**
 * The 32-bit instruction an RVC parcel stands for (Unprivileged ISA ch. 16: each compressed
 * instruction "expands into a single base instruction"), or undefined for an illegal/reserved
 * parcel. HINT encodings expand too (they are legal and execute as their expansion).
 */

const R = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const I = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const S = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  ((FIELDS.simm12.encode(imm) ?? 0) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | op) >>> 0;
const B = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((FIELDS.bimm12.encode(imm) ?? 0) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | 0x63) >>> 0;

/** A field of the parcel `h` (no closure per call: this runs 64 Ki times for the hart's table). */
const f = (k: FieldName, h: number): number => FIELDS[k].decode(h);

export function expandCompressed(parcel: number): number | undefined {
  const h = parcel & 0xffff;
  const e = decodeEntry(h, 2);
  if (!e) return undefined;
  switch (e.mnemonic) {
    case 'c.addi4spn': return I(f('c_nzuimm10', h), 2, 0, f('c_rdp', h), 0x13);
    case 'c.fld': return I(f('c_uimm8', h), f('c_rs1p', h), 3, f('c_rdp', h), 0x07);
    case 'c.lw': return I(f('c_uimm7', h), f('c_rs1p', h), 2, f('c_rdp', h), 0x03);
    case 'c.ld': return I(f('c_uimm8', h), f('c_rs1p', h), 3, f('c_rdp', h), 0x03);
    case 'c.fsd': return S(f('c_uimm8', h), f('c_rs2p', h), f('c_rs1p', h), 3, 0x27);
    case 'c.sw': return S(f('c_uimm7', h), f('c_rs2p', h), f('c_rs1p', h), 2, 0x23);
    case 'c.sd': return S(f('c_uimm8', h), f('c_rs2p', h), f('c_rs1p', h), 3, 0x23);
    case 'c.nop': return I(0, 0, 0, 0, 0x13);
    case 'c.addi': return I(f('c_imm6', h), f('c_rd', h), 0, f('c_rd', h), 0x13);
    case 'c.addiw': return I(f('c_imm6', h), f('c_rd', h), 0, f('c_rd', h), 0x1b);
    case 'c.li': return I(f('c_imm6', h), 0, 0, f('c_rd', h), 0x13);
    case 'c.addi16sp': return I(f('c_nzimm10', h), 2, 0, 2, 0x13);
    case 'c.lui': return (((f('c_imm6', h) & 0xfffff) << 12) | (f('c_rd', h) << 7) | 0x37) >>> 0;
    case 'c.srli': return R(0, f('c_shamt', h) & 0x1f, f('c_rs1p', h), 5, f('c_rs1p', h), 0x13) | ((f('c_shamt', h) >> 5) << 25);
    case 'c.srai': return (R(0x20, f('c_shamt', h) & 0x1f, f('c_rs1p', h), 5, f('c_rs1p', h), 0x13) | ((f('c_shamt', h) >> 5) << 25)) >>> 0;
    case 'c.andi': return I(f('c_imm6', h), f('c_rs1p', h), 7, f('c_rs1p', h), 0x13);
    case 'c.sub': return R(0x20, f('c_rs2p', h), f('c_rs1p', h), 0, f('c_rs1p', h), 0x33);
    case 'c.xor': return R(0, f('c_rs2p', h), f('c_rs1p', h), 4, f('c_rs1p', h), 0x33);
    case 'c.or': return R(0, f('c_rs2p', h), f('c_rs1p', h), 6, f('c_rs1p', h), 0x33);
    case 'c.and': return R(0, f('c_rs2p', h), f('c_rs1p', h), 7, f('c_rs1p', h), 0x33);
    case 'c.subw': return R(0x20, f('c_rs2p', h), f('c_rs1p', h), 0, f('c_rs1p', h), 0x3b);
    case 'c.addw': return R(0, f('c_rs2p', h), f('c_rs1p', h), 0, f('c_rs1p', h), 0x3b);
    case 'c.j': return ((FIELDS.jimm20.encode(f('c_jimm11', h)) ?? 0) | 0x6f) >>> 0;
    case 'c.beqz': return B(f('c_bimm9', h), 0, f('c_rs1p', h), 0);
    case 'c.bnez': return B(f('c_bimm9', h), 0, f('c_rs1p', h), 1);
    case 'c.slli': return (R(0, f('c_shamt', h) & 0x1f, f('c_rd', h), 1, f('c_rd', h), 0x13) | ((f('c_shamt', h) >> 5) << 25)) >>> 0;
    case 'c.fldsp': return I(f('c_uimm9sp', h), 2, 3, f('c_rd', h), 0x07);
    case 'c.lwsp': return I(f('c_uimm8sp', h), 2, 2, f('c_rd', h), 0x03);
    case 'c.ldsp': return I(f('c_uimm9sp', h), 2, 3, f('c_rd', h), 0x03);
    case 'c.jr': return I(0, f('c_rd', h), 0, 0, 0x67);
    case 'c.mv': return R(0, f('c_rs2', h), 0, 0, f('c_rd', h), 0x33);
    case 'c.ebreak': return 0x00100073;
    case 'c.jalr': return I(0, f('c_rd', h), 0, 1, 0x67);
    case 'c.add': return R(0, f('c_rs2', h), f('c_rd', h), 0, f('c_rd', h), 0x33);
    case 'c.fsdsp': return S(f('c_uimm9sp_s', h), f('c_rs2', h), 2, 3, 0x27);
    case 'c.swsp': return S(f('c_uimm8sp_s', h), f('c_rs2', h), 2, 2, 0x23);
    case 'c.sdsp': return S(f('c_uimm9sp_s', h), f('c_rs2', h), 2, 3, 0x23);
    default: return undefined;
  }
}
