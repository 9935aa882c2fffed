import { CSR_FCSR, CSR_FFLAGS, CSR_FRM, CSR_NAMES } from '@vm/isa';
import type { RiscvCpu } from './target.js';

/**
 * GDB's register numbers for RV64 (gdb/riscv-tdep.h; QEMU's gdbstub uses the same for the core
 * and FPU): x0-x31 0..31, pc 32, f0-f31 33..64, then the CSRs at 65 + CSR number, fflags/frm/fcsr
 * in the FPU feature, and QEMU's virtual `priv` register after the CSR space.
 */
export const REG_PC = 32;
export const REG_F0 = 33;
export const REG_CSR0 = 65;
export const REG_PRIV = REG_CSR0 + 4096;

const ABI = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];
const FABI = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
];

/**
 * The target description (GDB manual, "Target Descriptions"): features org.gnu.gdb.riscv.cpu,
 * .fpu, .csr (the CSRs this CPU implements) and .virtual (priv), as QEMU describes its riscv64 CPU.
 */
export function targetXml(cpu: RiscvCpu): string {
  const reg = (name: string, bits: number, regnum: number, type: string, group?: string): string =>
    `<reg name="${name}" bitsize="${bits}" regnum="${regnum}" type="${type}"${group ? ` group="${group}"` : ''}/>`;
  const core = ABI.map((n, i) => reg(n, 64, i, i === 1 ? 'code_ptr' : i === 2 || i === 8 ? 'data_ptr' : 'int')).join('') + reg('pc', 64, REG_PC, 'code_ptr');
  const fpu =
    FABI.map((n, i) => reg(n, 64, REG_F0 + i, 'ieee_double', 'float')).join('') +
    reg('fflags', 32, REG_CSR0 + CSR_FFLAGS, 'int', 'float') +
    reg('frm', 32, REG_CSR0 + CSR_FRM, 'int', 'float') +
    reg('fcsr', 32, REG_CSR0 + CSR_FCSR, 'int', 'float');
  const csr = cpu.csrs
    .filter((n) => n > CSR_FCSR)
    .map((n) => reg(CSR_NAMES.get(n) ?? `csr${n.toString(16)}`, 64, REG_CSR0 + n, 'int', 'csr'))
    .join('');
  return (
    '<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd"><target version="1.0">' +
    '<architecture>riscv:rv64</architecture>' +
    `<feature name="org.gnu.gdb.riscv.cpu">${core}</feature>` +
    `<feature name="org.gnu.gdb.riscv.fpu">${fpu}</feature>` +
    `<feature name="org.gnu.gdb.riscv.csr">${csr}</feature>` +
    `<feature name="org.gnu.gdb.riscv.virtual">${reg('priv', 64, REG_PRIV, 'int', 'general')}</feature>` +
    '</target>'
  );
}

/** Size in bytes of register `regnum`, undefined when the CPU has none by that number. */
export function registerSize(cpu: RiscvCpu, regnum: number): number | undefined {
  if (regnum >= 0 && regnum <= REG_PC + 32) return 8;
  if (regnum === REG_PRIV) return 8;
  const n = regnum - REG_CSR0;
  if (n >= CSR_FFLAGS && n <= CSR_FCSR) return 4;
  return n >= 0 && n < 4096 && cpu.csrs.includes(n) ? 8 : undefined;
}

export function readRegister(cpu: RiscvCpu, regnum: number): bigint | undefined {
  if (regnum >= 0 && regnum < 32) return regnum === 0 ? 0n : cpu.readX(regnum);
  if (regnum === REG_PC) return cpu.pc;
  if (regnum >= REG_F0 && regnum < REG_F0 + 32) return cpu.readF(regnum - REG_F0);
  if (regnum === REG_PRIV) return BigInt(cpu.priv);
  if (registerSize(cpu, regnum) === undefined) return undefined;
  try {
    return cpu.readCsr(regnum - REG_CSR0);
  } catch {
    return undefined;
  }
}

export function writeRegister(cpu: RiscvCpu, regnum: number, value: bigint): boolean {
  if (regnum >= 0 && regnum < 32) {
    if (regnum !== 0) cpu.writeX(regnum, value);
    return true;
  }
  if (regnum === REG_PC) {
    cpu.setPc(value);
    return true;
  }
  if (regnum >= REG_F0 && regnum < REG_F0 + 32) {
    cpu.writeF(regnum - REG_F0, value);
    return true;
  }
  if (regnum === REG_PRIV || registerSize(cpu, regnum) === undefined) return false;
  try {
    cpu.writeCsr(regnum - REG_CSR0, value);
    return true;
  } catch {
    return false;
  }
}
