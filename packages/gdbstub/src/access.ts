import { expandCompressed } from '@vm/isa';
import type { RiscvCpu } from './target.js';

/** The data access an instruction is about to make (for watchpoints, checked before it executes). */
export interface DataAccess {
  readonly addr: bigint;
  readonly size: number;
  readonly read: boolean;
  readonly write: boolean;
}

/**
 * The load, store or AMO the instruction at the CPU's pc will perform, or undefined (not a memory
 * instruction, or its bytes unreadable). Compressed forms are expanded first (Unprivileged ISA
 * ch. 16), so only the base encodings are decoded: LOAD, LOAD-FP, STORE, STORE-FP, AMO (LR/SC).
 */
export function dataAccessAt(cpu: RiscvCpu): DataAccess | undefined {
  const bytes = cpu.readMemory(cpu.pc, 2);
  if (bytes === undefined) return undefined;
  let insn = bytes[0]! | (bytes[1]! << 8);
  if ((insn & 3) !== 3) {
    const e = expandCompressed(insn);
    if (e === undefined) return undefined;
    insn = e;
  } else {
    const hi = cpu.readMemory(cpu.pc + 2n, 2);
    if (hi === undefined) return undefined;
    insn = (insn | (hi[0]! << 16) | (hi[1]! << 24)) >>> 0;
  }
  const op = insn & 0x7f;
  const f3 = (insn >>> 12) & 7;
  const rs1 = (insn >>> 15) & 31;
  const base = rs1 === 0 ? 0n : cpu.readX(rs1);
  const immI = BigInt(insn >> 20);
  const immS = BigInt(((insn >> 25) << 5) | ((insn >>> 7) & 31));
  const at = (off: bigint): bigint => BigInt.asUintN(64, base + off);
  switch (op) {
    case 0x03: // LOAD: lb lh lw ld lbu lhu lwu
      return f3 === 7 ? undefined : { addr: at(immI), size: 1 << (f3 & 3), read: true, write: false };
    case 0x07: // LOAD-FP: flw fld (flh 1)
      return f3 >= 1 && f3 <= 3 ? { addr: at(immI), size: 1 << f3, read: true, write: false } : undefined;
    case 0x23: // STORE
      return f3 <= 3 ? { addr: at(immS), size: 1 << f3, read: false, write: true } : undefined;
    case 0x27: // STORE-FP
      return f3 >= 1 && f3 <= 3 ? { addr: at(immS), size: 1 << f3, read: false, write: true } : undefined;
    case 0x2f: {
      // AMO: LR reads, SC writes, the others read and write.
      if (f3 !== 2 && f3 !== 3) return undefined;
      const funct5 = insn >>> 27;
      return { addr: at(0n), size: f3 === 2 ? 4 : 8, read: funct5 !== 0b00011, write: funct5 !== 0b00010 };
    }
    default:
      return undefined;
  }
}
