import { describe, expect, it } from 'vitest';
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { Hart } from './hart.js';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
import { assembleWords } from './test-support/encode.js';
import { ManualClock, RAM_BASE } from './test-support/machine.js';

/** A hart whose M-mode belongs to the host (a hypervisor in TypeScript), running `program` in U-mode. */
function hostOwned(program: number[]): Hart {
  const ram = new Ram(RAM_BASE, 1 << 20);
  const bus = new SystemBus(ram);
  const hart = new Hart({ hartId: 0, bus, mmu: new Mmu(bus), clock: new ManualClock(), hostTraps: true });
  ram.load(RAM_BASE, assembleWords(program));
  hart.reset(BigInt(RAM_BASE));
  hart.writeCsr(0x3b0, (1n << 54n) - 1n);
  hart.writeCsr(0x3a0, 0x1fn);
  hart.writeCsr(C.CSR_MTVEC, 0x1000n);
  hart.enter(0);
  return hart;
}

describe('host-owned M-mode (HartOptions.hostTraps)', () => {
  it('returns a trap exit for a U-mode ecall, with the CSRs set as hardware sets them', () => {
    const hart = hostOwned([E.NOP, E.ECALL]);
    const exit = hart.run(100);
    expect(exit).toEqual({ reason: 'trap', cause: 8n, tval: 0n, epc: BigInt(RAM_BASE + 4) });
    expect(hart.readCsr(C.CSR_MEPC)).toBe(BigInt(RAM_BASE + 4));
    expect(hart.priv).toBe(3);
    expect(hart.retired).toBe(1);
  });

  it('returns privileged instructions of a deprivileged guest as illegal-instruction traps', () => {
    const csr = E.csrr(5, C.CSR_MSTATUS);
    const hart = hostOwned([csr]);
    expect(hart.run(100)).toEqual({ reason: 'trap', cause: 2n, tval: BigInt(csr >>> 0), epc: BigInt(RAM_BASE) });
  });

  it('lets the host resume the guest where it chooses', () => {
    const hart = hostOwned([E.ECALL, E.addi(10, 0, 42), E.ECALL]);
    expect(hart.run(100).reason).toBe('trap');
    hart.enter(0, BigInt(RAM_BASE + 4));
    const exit = hart.run(100);
    expect(exit).toEqual({ reason: 'trap', cause: 8n, tval: 0n, epc: BigInt(RAM_BASE + 8) });
    expect(hart.x[10]).toBe(42n);
  });

  it('returns M-level interrupts as trap exits before running anything at mtvec', () => {
    const hart = hostOwned([E.NOP, E.NOP, E.NOP]);
    hart.writeCsr(C.CSR_MIE, 1n << 7n);
    hart.setInterruptPending(7, true);
    const exit = hart.run(100);
    expect(exit).toEqual({ reason: 'trap', cause: (1n << 63n) | 7n, tval: 0n, epc: BigInt(RAM_BASE) });
    expect(hart.retired).toBe(0);
  });
});

describe('host-owned M-mode at the end of a batch', () => {
  it('returns a trap taken by the last instruction of the budget at once', () => {
    const hart = hostOwned([E.NOP, E.ECALL, E.NOP]);
    const exit = hart.run(2);
    expect(exit).toEqual({ reason: 'trap', cause: 8n, tval: 0n, epc: BigInt(RAM_BASE + 4) });
  });
});
