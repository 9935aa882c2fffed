/**
 * Decoding of the load or store that took a guest-page fault, for MMIO emulation under the H
 * extension (for explicit accesses htinst/mtinst are written 0 by our hart, as by QEMU 7.2 and allowed by priv spec 8.6.3, so the
 * hypervisor reads the instruction itself). RV64I loads/stores (unpriv spec 2.6) and their
 * compressed forms (16.3: C.LW, C.LD, C.SW, C.SD, C.LWSP, C.LDSP, C.SWSP, C.SDSP).
 */
export interface MmioAccess {
  readonly store: boolean;
  /** Bytes: 1, 2, 4 or 8. */
  readonly width: 1 | 2 | 4 | 8;
  /** Loads: sign-extend the value. */
  readonly signed: boolean;
  /** Destination (loads) or source (stores) integer register. */
  readonly reg: number;
  /** Instruction length in bytes (2 or 4). */
  readonly length: 2 | 4;
}

const OP_LOAD = 0x03;
const OP_STORE = 0x23;
const WIDTHS = [1, 2, 4, 8] as const;

/** The access `insn` makes, or undefined when it is not an integer load/store (FP, AMO, other). */
export function decodeMmio(insn: number): MmioAccess | undefined {
  if ((insn & 3) === 3) {
    const op = insn & 0x7f;
    const f3 = (insn >> 12) & 7;
    if (op === OP_LOAD && f3 !== 7) return { store: false, width: WIDTHS[f3 & 3]!, signed: f3 < 4, reg: (insn >> 7) & 31, length: 4 };
    if (op === OP_STORE && f3 < 4) return { store: true, width: WIDTHS[f3]!, signed: false, reg: (insn >> 20) & 31, length: 4 };
    return undefined;
  }
  const q = insn & 3;
  const f3 = (insn >> 13) & 7;
  const rdp = 8 + ((insn >> 2) & 7); // rd' / rs2' (16.2: x8–x15)
  if (q === 0) {
    if (f3 === 2) return { store: false, width: 4, signed: true, reg: rdp, length: 2 };
    if (f3 === 3) return { store: false, width: 8, signed: true, reg: rdp, length: 2 };
    if (f3 === 6) return { store: true, width: 4, signed: false, reg: rdp, length: 2 };
    if (f3 === 7) return { store: true, width: 8, signed: false, reg: rdp, length: 2 };
  } else if (q === 2) {
    const rd = (insn >> 7) & 31;
    const rs2 = (insn >> 2) & 31;
    if (f3 === 2 && rd !== 0) return { store: false, width: 4, signed: true, reg: rd, length: 2 };
    if (f3 === 3 && rd !== 0) return { store: false, width: 8, signed: true, reg: rd, length: 2 };
    if (f3 === 6) return { store: true, width: 4, signed: false, reg: rs2, length: 2 };
    if (f3 === 7) return { store: true, width: 8, signed: false, reg: rs2, length: 2 };
  }
  return undefined;
}

/** A loaded value of `width` bytes, extended to 64 bits as the load defines. */
export function extendLoad(value: bigint, a: MmioAccess): bigint {
  const bits = BigInt(a.width * 8);
  return a.signed ? BigInt.asUintN(64, BigInt.asIntN(Number(bits), value)) : BigInt.asUintN(Number(bits), value);
}
