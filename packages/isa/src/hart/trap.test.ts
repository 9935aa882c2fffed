import { describe, expect, it } from 'vitest';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
import { HANDLER, installWfiHandler, machine, RAM_BASE, runToWfi } from './test-support/machine.js';
import type { TestMachine } from './test-support/machine.js';

const S_HANDLER = RAM_BASE + 0x2000;
const BASE = BigInt(RAM_BASE);
const MSTATUS_MIE = 1n << 3n, MSTATUS_SIE = 1n << 1n, MSTATUS_SPIE = 1n << 5n, MSTATUS_MPIE = 1n << 7n;
const MSTATUS_SPP = 1n << 8n, MSTATUS_MPRV = 1n << 17n;
const mpp = (h: TestMachine['hart']): bigint => (h.readCsr(C.CSR_MSTATUS) >> 11n) & 3n;

/** Machine with an M handler (WFI) at HANDLER and an S handler (WFI) at S_HANDLER, starting in `priv`. */
function at(priv: number, program: number[]): TestMachine {
  const m = machine(program);
  installWfiHandler(m);
  m.ram.write32(S_HANDLER, E.WFI);
  m.hart.writeCsr(C.CSR_STVEC, BigInt(S_HANDLER));
  m.hart.enter(priv);
  return m;
}

describe('synchronous exceptions (priv spec 3.1.15–3.1.16)', () => {
  it.each([
    [3, 11n],
    [1, 9n],
    [0, 8n],
  ])('ecall from privilege %i raises cause %i with tval 0 into M', (priv, cause) => {
    const m = at(priv, [E.NOP, E.ECALL]);
    m.hart.writeCsr(C.CSR_MTVAL, 123n);
    runToWfi(m);
    expect(m.hart.mcause).toBe(cause);
    expect(m.hart.mepc).toBe(BASE + 4n);
    expect(m.hart.mtval).toBe(0n);
    expect(m.hart.priv).toBe(3);
    expect(mpp(m.hart)).toBe(BigInt(priv));
    expect(m.hart.pc).toBe(BigInt(HANDLER + 4));
    expect(m.hart.retired).toBe(2); // nop + the handler's wfi; the ecall does not retire
  });

  it('ebreak reports cause 3 with tval = pc', () => {
    const m = at(3, [E.NOP, E.EBREAK]);
    runToWfi(m);
    expect(m.hart.mcause).toBe(3n);
    expect(m.hart.mtval).toBe(BASE + 4n);
  });

  it('illegal instruction reports the instruction bits', () => {
    const m = at(3, [0xffff_ffff | 0]);
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
    expect(m.hart.mtval).toBe(0xffff_ffffn);
  });

  it('delegates to S through medeleg, saving SPP/SPIE and clearing SIE', () => {
    const m = at(0, [E.ECALL]);
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 8n);
    m.hart.writeCsr(C.CSR_MSTATUS, MSTATUS_SIE);
    runToWfi(m);
    expect(m.hart.priv).toBe(1);
    expect(m.hart.readCsr(C.CSR_SCAUSE)).toBe(8n);
    expect(m.hart.readCsr(C.CSR_SEPC)).toBe(BASE);
    const s = m.hart.readCsr(C.CSR_SSTATUS);
    expect(s & MSTATUS_SPP).toBe(0n);
    expect(s & MSTATUS_SPIE).toBe(MSTATUS_SPIE);
    expect(s & MSTATUS_SIE).toBe(0n);
    expect(m.hart.mcause).toBe(0n);
  });

  it('delegated traps from S record SPP = S', () => {
    const m = at(1, [0]);
    m.hart.writeCsr(C.CSR_MEDELEG, 1n << 2n);
    runToWfi(m);
    expect(m.hart.readCsr(C.CSR_SCAUSE)).toBe(2n);
    expect(m.hart.readCsr(C.CSR_SSTATUS) & MSTATUS_SPP).toBe(MSTATUS_SPP);
  });

  it('never delegates a trap taken in M', () => {
    const m = at(3, [E.EBREAK]);
    m.hart.writeCsr(C.CSR_MEDELEG, 0xffffn);
    runToWfi(m);
    expect(m.hart.mcause).toBe(3n);
    expect(m.hart.priv).toBe(3);
  });

  it('trap entry moves MIE to MPIE', () => {
    const m = at(3, [E.ECALL]);
    m.hart.writeCsr(C.CSR_MSTATUS, MSTATUS_MIE);
    runToWfi(m);
    const s = m.hart.readCsr(C.CSR_MSTATUS);
    expect(s & MSTATUS_MIE).toBe(0n);
    expect(s & MSTATUS_MPIE).toBe(MSTATUS_MPIE);
  });
});

describe('xRET (priv spec 3.3.2)', () => {
  it('mret restores privilege and MIE, sets MPIE, MPP = U, clears MPRV when leaving M', () => {
    const m = at(3, [E.MRET]);
    m.hart.writeCsr(C.CSR_MSTATUS, (1n << 11n) | MSTATUS_MPIE | MSTATUS_MPRV); // MPP = S
    m.hart.writeCsr(C.CSR_MEPC, BigInt(S_HANDLER));
    runToWfi(m);
    expect(m.hart.priv).toBe(1);
    const s = m.hart.readCsr(C.CSR_MSTATUS);
    expect(s & MSTATUS_MIE).toBe(MSTATUS_MIE);
    expect(s & MSTATUS_MPIE).toBe(MSTATUS_MPIE);
    expect(mpp(m.hart)).toBe(0n);
    expect(s & MSTATUS_MPRV).toBe(0n);
  });

  it('mret back to M keeps MPRV', () => {
    const m = at(3, [E.MRET]);
    m.hart.writeCsr(C.CSR_MSTATUS, (3n << 11n) | MSTATUS_MPRV);
    m.hart.writeCsr(C.CSR_MEPC, BigInt(HANDLER));
    runToWfi(m);
    expect(m.hart.readCsr(C.CSR_MSTATUS) & MSTATUS_MPRV).toBe(MSTATUS_MPRV);
  });

  it('sret returns to SPP with SIE = SPIE and clears MPRV', () => {
    const m = at(1, [E.SRET]);
    m.hart.writeCsr(C.CSR_MSTATUS, MSTATUS_SPIE | MSTATUS_MPRV); // SPP = U
    m.hart.writeCsr(C.CSR_SEPC, BigInt(RAM_BASE + 0x100));
    m.ram.write32(RAM_BASE + 0x100, E.ECALL);
    runToWfi(m);
    expect(m.hart.mcause).toBe(8n); // the ecall ran in U
    const s = m.hart.readCsr(C.CSR_MSTATUS);
    expect(s & MSTATUS_SIE).toBe(MSTATUS_SIE);
    expect(s & MSTATUS_MPRV).toBe(0n);
  });

  it.each([
    ['mret in S', 1, E.MRET, 0n],
    ['mret in U', 0, E.MRET, 0n],
    ['sret in U', 0, E.SRET, 0n],
    ['sret in S with TSR', 1, E.SRET, 1n << 22n],
    ['wfi in U', 0, E.WFI, 0n],
    ['wfi in S with TW', 1, E.WFI, 1n << 21n],
    ['sfence.vma in U', 0, E.sfenceVma(0, 0), 0n],
    ['sfence.vma in S with TVM', 1, E.sfenceVma(0, 0), 1n << 20n],
    ['satp in S with TVM', 1, E.csrr(10, C.CSR_SATP), 1n << 20n],
  ])('%s is an illegal instruction', (_n, priv, insn, status) => {
    const m = at(priv, [insn]);
    m.hart.writeCsr(C.CSR_MSTATUS, status | (BigInt(priv) << 11n));
    runToWfi(m);
    expect(m.hart.mcause).toBe(2n);
    expect(m.hart.mtval).toBe(BigInt(insn >>> 0));
    expect(m.hart.mepc).toBe(BASE);
  });

  it('sfence.vma passes rs1/rs2 (x0 = all) to the MMU', () => {
    const m = at(1, [E.sfenceVma(0, 0), E.sfenceVma(10, 11), E.ECALL]);
    const calls: [bigint | undefined, bigint | undefined][] = [];
    m.mmu.sfence = (va, asid): void => void calls.push([va, asid]);
    m.hart.x[10] = 0x1000n;
    m.hart.x[11] = 7n;
    runToWfi(m);
    expect(calls).toEqual([[undefined, undefined], [0x1000n, 7n]]);
  });

  it('traps and xRET clear the LR reservation', () => {
    const m = at(3, [E.lr('d', 5, 10), E.ECALL]);
    m.hart.x[10] = BigInt(RAM_BASE + 0x800);
    m.ram.write32(HANDLER, E.sc('d', 6, 10, 0));
    m.ram.write32(HANDLER + 4, E.WFI);
    runToWfi(m);
    expect(m.hart.x[6]).toBe(1n);
  });
});

describe('MPRV (priv spec 3.1.6.3)', () => {
  it('loads and stores use MPP as the effective privilege while fetches do not', () => {
    const m = at(3, [E.ldd(10, 11, 0), E.WFI]);
    m.hart.writeCsr(C.CSR_MSTATUS, MSTATUS_MPRV | (1n << 11n)); // MPP = S
    const seen: [number, number][] = [];
    const translate = m.mmu.translate.bind(m.mmu);
    m.mmu.translate = (va, access, priv, width): number => {
      seen.push([access, priv]);
      return translate(va, access, priv, width);
    };
    const translateAt = m.mmu.translateAt.bind(m.mmu);
    m.mmu.translateAt = (lo, hi, access, priv, width): number => {
      seen.push([access, priv]);
      return translateAt(lo, hi, access, priv, width);
    };
    m.hart.x[11] = BigInt(RAM_BASE + 0x800);
    runToWfi(m);
    expect(seen).toContainEqual([1, 1]); // load at S
    expect(seen).toContainEqual([0, 3]); // fetch at M
  });
});
