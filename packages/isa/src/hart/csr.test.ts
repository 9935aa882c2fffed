import { describe, expect, it } from 'vitest';
import * as C from './csr-numbers.js';
import { MISA_VALUE } from './csr-file.js';
import * as E from './test-support/encode.js';
import { installWfiHandler, machine, runToWfi } from './test-support/machine.js';
import type { TestMachine } from './test-support/machine.js';

const A0 = 10, A1 = 11;

/** Run `insns` at privilege `priv`; returns the machine (mcause = 0 means no trap). */
function exec(priv: number, insns: number[], setup?: (m: TestMachine) => void): TestMachine {
  const m = machine([...insns, E.ECALL]);
  installWfiHandler(m);
  setup?.(m);
  m.hart.enter(priv);
  runToWfi(m);
  return m;
}
const ecallCause = (priv: number): bigint => BigInt(8 + priv);
/** True when the program reached its final ecall, i.e. nothing trapped before. */
const clean = (m: TestMachine, priv: number): boolean => m.hart.mcause === ecallCause(priv);

describe('CSR access rules (priv spec 2.1, unpriv spec 9.1)', () => {
  it('unimplemented CSRs are illegal, with tval = the instruction', () => {
    for (const csr of [0x7c0, 0xb80 /* mcycleh: RV32 only */, 0x3a1 /* pmpcfg1: RV32 only */, 0x015, 0x5a8]) {
      const insn = E.csrr(A0, csr);
      const m = exec(3, [insn]);
      expect(m.hart.mcause, csr.toString(16)).toBe(2n);
      expect(m.hart.mtval).toBe(BigInt(insn >>> 0));
    }
  });

  it('writes to read-only CSRs are illegal; csrrs/csrrc with x0 and zimm 0 are reads', () => {
    expect(exec(3, [E.csrrw(A0, C.CSR_MHARTID, A1)]).hart.mcause).toBe(2n);
    expect(exec(3, [E.csrrsi(A0, C.CSR_MVENDORID, 1)]).hart.mcause).toBe(2n);
    const ok = exec(3, [E.csrrs(A0, C.CSR_MHARTID, 0), E.csrrci(A1, C.CSR_MIMPID, 0)]);
    expect(clean(ok, 3)).toBe(true);
  });

  it('lower privileges cannot reach higher-privilege CSRs', () => {
    expect(exec(1, [E.csrr(A0, C.CSR_MSTATUS)]).hart.mcause).toBe(2n);
    expect(exec(0, [E.csrr(A0, C.CSR_SSTATUS)]).hart.mcause).toBe(2n);
    expect(clean(exec(1, [E.csrr(A0, C.CSR_SSTATUS)]), 1)).toBe(true);
  });

  it('csrrw swaps, csrrs sets and csrrc clears, returning the old value', () => {
    const m = exec(3, [
      E.csrrw(A0, C.CSR_MSCRATCH, A1), // a0 = 0, mscratch = a1
      E.csrrsi(5, C.CSR_MSCRATCH, 0x10), // t0 = a1
      E.csrrci(6, C.CSR_MSCRATCH, 0x3), // t1 = a1 | 0x10
      E.csrr(7, C.CSR_MSCRATCH),
    ], (m) => void (m.hart.x[A1] = 0xf000_0000_0000_0003n));
    expect(m.hart.x[A0]).toBe(0n);
    expect(m.hart.x[5]).toBe(0xf000_0000_0000_0003n);
    expect(m.hart.x[6]).toBe(0xf000_0000_0000_0013n);
    expect(m.hart.x[7]).toBe(0xf000_0000_0000_0010n);
  });
});

describe('machine CSRs', () => {
  it('misa reports RV64 IMAFDCSU and ignores writes', () => {
    const m = machine();
    expect(m.hart.readCsr(C.CSR_MISA)).toBe(MISA_VALUE);
    expect(MISA_VALUE).toBe(0x8000_0000_0014_112dn);
    m.hart.writeCsr(C.CSR_MISA, 0n);
    expect(m.hart.readCsr(C.CSR_MISA)).toBe(MISA_VALUE);
  });

  it('mstatus: UXL/SXL = 2, MPP=2 is not kept, SD follows FS, sstatus is a view', () => {
    const m = machine();
    const h = m.hart;
    expect(h.readCsr(C.CSR_MSTATUS)).toBe(0xa_0000_0000n);
    h.writeCsr(C.CSR_MSTATUS, 1n << 11n); // MPP = S
    h.writeCsr(C.CSR_MSTATUS, 2n << 11n); // reserved: keeps S
    expect((h.readCsr(C.CSR_MSTATUS) >> 11n) & 3n).toBe(1n);
    h.writeCsr(C.CSR_MSTATUS, 3n << 13n); // FS = Dirty
    expect(h.readCsr(C.CSR_MSTATUS) >> 63n).toBe(1n);
    expect(h.readCsr(C.CSR_SSTATUS)).toBe((1n << 63n) | (2n << 32n) | (3n << 13n));
    h.writeCsr(C.CSR_SSTATUS, (1n << 3n) | (1n << 1n) | (1n << 18n)); // MIE not writable via sstatus
    expect(h.readCsr(C.CSR_MSTATUS) & 0xffffn).toBe(2n);
    expect(h.readCsr(C.CSR_MSTATUS) & (1n << 18n)).toBe(1n << 18n);
    expect(m.mmu.sum).toBe(true);
    h.writeCsr(C.CSR_MSTATUS, (1n << 6n) | (1n << 36n) | (1n << 37n) | (3n << 9n)); // UBE, SBE, MBE, VS
    expect(h.readCsr(C.CSR_MSTATUS)).toBe(0xa_0000_0000n);
  });

  it('medeleg keeps ecall-from-M zero; mideleg only takes SSIP/STIP/SEIP', () => {
    const h = machine().hart;
    h.writeCsr(C.CSR_MEDELEG, (1n << 64n) - 1n);
    expect(h.readCsr(C.CSR_MEDELEG)).toBe(0xb3ffn);
    h.writeCsr(C.CSR_MIDELEG, (1n << 64n) - 1n);
    expect(h.readCsr(C.CSR_MIDELEG)).toBe(0x222n);
    h.writeCsr(C.CSR_MIE, (1n << 64n) - 1n);
    expect(h.readCsr(C.CSR_MIE)).toBe(0xaaan);
    expect(h.readCsr(C.CSR_SIE)).toBe(0x222n);
  });

  it('mtvec/stvec: a reserved MODE keeps the old mode; xepc bit 0 reads zero', () => {
    const h = machine().hart;
    h.writeCsr(C.CSR_MTVEC, 0x8000_0101n);
    expect(h.readCsr(C.CSR_MTVEC)).toBe(0x8000_0101n);
    h.writeCsr(C.CSR_MTVEC, 0x8000_0202n);
    expect(h.readCsr(C.CSR_MTVEC)).toBe(0x8000_0201n);
    h.writeCsr(C.CSR_STVEC, 0x1003n);
    expect(h.readCsr(C.CSR_STVEC)).toBe(0x1000n);
    h.writeCsr(C.CSR_MEPC, 0x1235n);
    expect(h.readCsr(C.CSR_MEPC)).toBe(0x1234n);
    h.writeCsr(C.CSR_SEPC, 0x7n);
    expect(h.readCsr(C.CSR_SEPC)).toBe(0x6n);
  });

  it('mhartid, mconfigptr, triggers', () => {
    const h = machine().hart;
    expect(h.readCsr(C.CSR_MHARTID)).toBe(0n);
    expect(h.readCsr(C.CSR_MCONFIGPTR)).toBe(0n);
    h.writeCsr(C.CSR_TSELECT, 5n);
    expect(h.readCsr(C.CSR_TSELECT)).toBe(0n);
    expect(h.readCsr(C.CSR_TDATA1)).toBe(0n);
  });

  it('menvcfg keeps STCE and FIOM only; senvcfg keeps FIOM', () => {
    const h = machine().hart;
    h.writeCsr(C.CSR_MENVCFG, (1n << 64n) - 1n);
    expect(h.readCsr(C.CSR_MENVCFG)).toBe((1n << 63n) | 1n);
    h.writeCsr(C.CSR_SENVCFG, (1n << 64n) - 1n);
    expect(h.readCsr(C.CSR_SENVCFG)).toBe(1n);
  });

  it('satp accepts Bare/Sv39/Sv48 with a 16-bit ASID and ignores other modes', () => {
    const m = machine();
    const h = m.hart;
    const sv39 = (8n << 60n) | (0xffffn << 44n) | 0x80123n;
    h.writeCsr(C.CSR_SATP, sv39);
    expect(h.readCsr(C.CSR_SATP)).toBe(sv39);
    expect(m.mmu.satp).toBe(sv39);
    h.writeCsr(C.CSR_SATP, (10n << 60n) | 5n); // Sv57: unsupported
    expect(h.readCsr(C.CSR_SATP)).toBe(sv39);
    h.writeCsr(C.CSR_SATP, 9n << 60n);
    expect(h.readCsr(C.CSR_SATP)).toBe(9n << 60n);
  });

  it('PMP: odd pmpcfg are illegal on RV64, entries 16..63 read zero', () => {
    expect(exec(3, [E.csrr(A0, 0x3a1)]).hart.mcause).toBe(2n);
    const h = machine().hart;
    h.writeCsr(C.CSR_PMPADDR0 + 20, 0x1234n);
    expect(h.readCsr(C.CSR_PMPADDR0 + 20)).toBe(0n);
    h.writeCsr(C.CSR_PMPADDR0 + 3, 0x1234n);
    expect(h.readCsr(C.CSR_PMPADDR0 + 3)).toBe(0x1234n);
    h.writeCsr(C.CSR_PMPCFG0 + 14, 0x1fn);
    expect(h.readCsr(C.CSR_PMPCFG0 + 14)).toBe(0n);
  });
});

describe('interrupt-pending CSRs (priv spec 3.1.9, 4.1.3)', () => {
  it('mip: wires are read-only, SEIP is the OR of wire and software bit, csrrs uses the software bit', () => {
    const m = machine([E.csrrsi(A0, C.CSR_MIP, 0x2) /* sets SSIP */, E.WFI]);
    const h = m.hart;
    h.setInterruptPending(9, true); // PLIC S-context wire
    h.setInterruptPending(7, true);
    expect(h.readCsr(C.CSR_MIP)).toBe(0x280n);
    h.writeCsr(C.CSR_MIP, 0n);
    expect(h.readCsr(C.CSR_MIP)).toBe(0x280n); // neither MTIP nor the wire SEIP can be cleared
    runToWfi(m);
    expect(h.x[A0]).toBe(0x280n);
    h.setInterruptPending(9, false);
    // SEIP was not latched into the software bit by the read-modify-write
    expect(h.readCsr(C.CSR_MIP)).toBe(0x82n);
    h.writeCsr(C.CSR_MIP, 0x200n); // a plain write replaces the software bits (SSIP cleared)
    expect(h.readCsr(C.CSR_MIP)).toBe(0x280n);
  });

  it('sip/sie are views through mideleg; only SSIP is writable through sip', () => {
    const h = machine().hart;
    h.writeCsr(C.CSR_MIP, 0x222n);
    expect(h.readCsr(C.CSR_SIP)).toBe(0n);
    h.writeCsr(C.CSR_MIDELEG, 0x222n);
    expect(h.readCsr(C.CSR_SIP)).toBe(0x222n);
    h.writeCsr(C.CSR_SIP, 0n);
    expect(h.readCsr(C.CSR_MIP)).toBe(0x220n);
    h.writeCsr(C.CSR_MIDELEG, 0x2n);
    h.writeCsr(C.CSR_SIE, 0xfffn);
    expect(h.readCsr(C.CSR_MIE)).toBe(0x2n);
  });
});

describe('FP CSRs (unpriv spec 11.2)', () => {
  it('are illegal while mstatus.FS = Off', () => {
    for (const csr of [C.CSR_FFLAGS, C.CSR_FRM, C.CSR_FCSR]) expect(exec(3, [E.csrr(A0, csr)]).hart.mcause).toBe(2n);
  });

  it('fcsr composes frm and fflags; a write makes FS dirty', () => {
    const m = exec(0, [E.csrrwi(A0, C.CSR_FRM, 3), E.csrrwi(0, C.CSR_FFLAGS, 0x15), E.csrr(A1, C.CSR_FCSR)], (m) =>
      m.hart.writeCsr(C.CSR_MSTATUS, 1n << 13n),
    );
    expect(clean(m, 0)).toBe(true);
    expect(m.hart.x[A1]).toBe((3n << 5n) | 0x15n);
    expect((m.hart.readCsr(C.CSR_MSTATUS) >> 13n) & 3n).toBe(3n);
    m.hart.writeCsr(C.CSR_FCSR, 0xfffn);
    expect(m.hart.readCsr(C.CSR_FCSR)).toBe(0xffn);
    expect(m.hart.fp.frm).toBe(7);
  });
});
