import { decodeEntry } from './decode.js';
import { FIELDS } from './fields.js';

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

export function expandCompressed(parcel: number): number | undefined {
  const h = parcel & 0xffff;
  const e = decodeEntry(h, 2);
  if (!e) return undefined;
  const f = <K extends keyof typeof FIELDS>(k: K): number => FIELDS[k].decode(h);
  switch (e.mnemonic) {
    case 'c.addi4spn': return I(f('c_nzuimm10'), 2, 0, f('c_rdp'), 0x13);
    case 'c.fld': return I(f('c_uimm8'), f('c_rs1p'), 3, f('c_rdp'), 0x07);
    case 'c.lw': return I(f('c_uimm7'), f('c_rs1p'), 2, f('c_rdp'), 0x03);
    case 'c.ld': return I(f('c_uimm8'), f('c_rs1p'), 3, f('c_rdp'), 0x03);
    case 'c.fsd': return S(f('c_uimm8'), f('c_rs2p'), f('c_rs1p'), 3, 0x27);
    case 'c.sw': return S(f('c_uimm7'), f('c_rs2p'), f('c_rs1p'), 2, 0x23);
    case 'c.sd': return S(f('c_uimm8'), f('c_rs2p'), f('c_rs1p'), 3, 0x23);
    case 'c.nop': return I(0, 0, 0, 0, 0x13);
    case 'c.addi': return I(f('c_imm6'), f('c_rd'), 0, f('c_rd'), 0x13);
    case 'c.addiw': return I(f('c_imm6'), f('c_rd'), 0, f('c_rd'), 0x1b);
    case 'c.li': return I(f('c_imm6'), 0, 0, f('c_rd'), 0x13);
    case 'c.addi16sp': return I(f('c_nzimm10'), 2, 0, 2, 0x13);
    case 'c.lui': return (((f('c_imm6') & 0xfffff) << 12) | (f('c_rd') << 7) | 0x37) >>> 0;
    case 'c.srli': return R(0, f('c_shamt') & 0x1f, f('c_rs1p'), 5, f('c_rs1p'), 0x13) | ((f('c_shamt') >> 5) << 25);
    case 'c.srai': return (R(0x20, f('c_shamt') & 0x1f, f('c_rs1p'), 5, f('c_rs1p'), 0x13) | ((f('c_shamt') >> 5) << 25)) >>> 0;
    case 'c.andi': return I(f('c_imm6'), f('c_rs1p'), 7, f('c_rs1p'), 0x13);
    case 'c.sub': return R(0x20, f('c_rs2p'), f('c_rs1p'), 0, f('c_rs1p'), 0x33);
    case 'c.xor': return R(0, f('c_rs2p'), f('c_rs1p'), 4, f('c_rs1p'), 0x33);
    case 'c.or': return R(0, f('c_rs2p'), f('c_rs1p'), 6, f('c_rs1p'), 0x33);
    case 'c.and': return R(0, f('c_rs2p'), f('c_rs1p'), 7, f('c_rs1p'), 0x33);
    case 'c.subw': return R(0x20, f('c_rs2p'), f('c_rs1p'), 0, f('c_rs1p'), 0x3b);
    case 'c.addw': return R(0, f('c_rs2p'), f('c_rs1p'), 0, f('c_rs1p'), 0x3b);
    case 'c.j': return ((FIELDS.jimm20.encode(f('c_jimm11')) ?? 0) | 0x6f) >>> 0;
    case 'c.beqz': return B(f('c_bimm9'), 0, f('c_rs1p'), 0);
    case 'c.bnez': return B(f('c_bimm9'), 0, f('c_rs1p'), 1);
    case 'c.slli': return (R(0, f('c_shamt') & 0x1f, f('c_rd'), 1, f('c_rd'), 0x13) | ((f('c_shamt') >> 5) << 25)) >>> 0;
    case 'c.fldsp': return I(f('c_uimm9sp'), 2, 3, f('c_rd'), 0x07);
    case 'c.lwsp': return I(f('c_uimm8sp'), 2, 2, f('c_rd'), 0x03);
    case 'c.ldsp': return I(f('c_uimm9sp'), 2, 3, f('c_rd'), 0x03);
    case 'c.jr': return I(0, f('c_rd'), 0, 0, 0x67);
    case 'c.mv': return R(0, f('c_rs2'), 0, 0, f('c_rd'), 0x33);
    case 'c.ebreak': return 0x00100073;
    case 'c.jalr': return I(0, f('c_rd'), 0, 1, 0x67);
    case 'c.add': return R(0, f('c_rs2'), f('c_rd'), 0, f('c_rd'), 0x33);
    case 'c.fsdsp': return S(f('c_uimm9sp_s'), f('c_rs2'), 2, 3, 0x27);
    case 'c.swsp': return S(f('c_uimm8sp_s'), f('c_rs2'), 2, 2, 0x23);
    case 'c.sdsp': return S(f('c_uimm9sp_s'), f('c_rs2'), 2, 3, 0x23);
    default: return undefined;
  }
}
