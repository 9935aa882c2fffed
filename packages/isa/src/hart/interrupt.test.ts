import type { AccessWidth, MmioDevice } from '@vm/core';
import { describe, expect, it } from 'vitest';
import type { Hart } from './hart.js';
import * as C from './csr-numbers.js';
import * as E from './test-support/encode.js';
import { HANDLER, installWfiHandler, machine, RAM_BASE, runToWfi } from './test-support/machine.js';

const MIE = 1n << 3n, SIE = 1n << 1n;
const INTR = 1n << 63n;
const S_HANDLER = RAM_BASE + 0x2000;
const loop = [E.NOP, E.NOP, E.NOP, E.jal(0, -12)];

/** Handlers mask everything (mie/sie = 0) before WFI, or the still-pending interrupt would wake it. */
function quietHandlers(m: ReturnType<typeof machine>): void {
  installWfiHandler(m);
  m.ram.write32(HANDLER, E.csrw(C.CSR_MIE, 0));
  m.ram.write32(HANDLER + 4, E.WFI);
  m.ram.write32(S_HANDLER, E.csrw(C.CSR_SIE, 0));
  m.ram.write32(S_HANDLER + 4, E.WFI);
}

function setup(priv: number, status: bigint) {
  const m = machine(loop);
  quietHandlers(m);
  m.hart.writeCsr(C.CSR_STVEC, BigInt(S_HANDLER));
  m.hart.writeCsr(C.CSR_MSTATUS, status);
  m.hart.enter(priv);
  return m;
}

describe('interrupts (priv spec 3.1.9)', () => {
  it('takes an enabled M timer interrupt at the next boundary, epc = the next instruction', () => {
    const m = setup(3, MIE);
    m.hart.writeCsr(C.CSR_MIE, 1n << 7n);
    expect(m.hart.run(2).reason).toBe('budget');
    m.hart.setInterruptPending(7, true);
    runToWfi(m, 10);
    expect(m.hart.mcause).toBe(INTR | 7n);
    expect(m.hart.mepc).toBe(BigInt(RAM_BASE + 8));
    expect(m.hart.mtval).toBe(0n);
  });

  it('does not take M interrupts in M with MIE = 0, but does in S regardless of MIE', () => {
    const m = setup(3, 0n);
    m.hart.writeCsr(C.CSR_MIE, 1n << 11n);
    m.hart.setInterruptPending(11, true);
    expect(m.hart.run(20).reason).toBe('budget');
    const s = setup(1, 0n);
    s.hart.writeCsr(C.CSR_MIE, 1n << 11n);
    s.hart.setInterruptPending(11, true);
    runToWfi(s, 10);
    expect(s.hart.mcause).toBe(INTR | 11n);
    expect((s.hart.readCsr(C.CSR_MSTATUS) >> 11n) & 3n).toBe(1n);
  });

  it('orders simultaneous interrupts MEI, MSI, MTI, SEI, SSI, STI', () => {
    const order = [11, 3, 7, 9, 1, 5];
    for (let k = 0; k < order.length; k++) {
      const m = setup(3, MIE);
      m.hart.writeCsr(C.CSR_MIE, 0xaaan);
      for (const irq of order.slice(k)) {
        if (irq === 1 || irq === 5 || irq === 9) m.hart.writeCsr(C.CSR_MIP, m.hart.readCsr(C.CSR_MIP) | (1n << BigInt(irq)));
        else m.hart.setInterruptPending(irq, true);
      }
      runToWfi(m, 10);
      expect(m.hart.mcause).toBe(INTR | BigInt(order[k]!));
    }
  });

  it('delegated interrupts go to S when SIE is set in S, and are never taken in M', () => {
    const m = setup(1, SIE);
    m.hart.writeCsr(C.CSR_MIDELEG, 1n << 5n);
    m.hart.writeCsr(C.CSR_MIE, 1n << 5n);
    m.hart.writeCsr(C.CSR_MIP, 1n << 5n);
    runToWfi(m, 10);
    expect(m.hart.readCsr(C.CSR_SCAUSE)).toBe(INTR | 5n);
    expect(m.hart.priv).toBe(1);

    const inM = setup(3, MIE | SIE);
    inM.hart.writeCsr(C.CSR_MIDELEG, 1n << 5n);
    inM.hart.writeCsr(C.CSR_MIE, 1n << 5n);
    inM.hart.writeCsr(C.CSR_MIP, 1n << 5n);
    expect(inM.hart.run(20).reason).toBe('budget');

    const inS = setup(1, 0n); // S with SIE = 0: masked
    inS.hart.writeCsr(C.CSR_MIDELEG, 1n << 5n);
    inS.hart.writeCsr(C.CSR_MIE, 1n << 5n);
    inS.hart.writeCsr(C.CSR_MIP, 1n << 5n);
    expect(inS.hart.run(20).reason).toBe('budget');

    const inU = setup(0, 0n); // U: S-level interrupts always enabled
    inU.hart.writeCsr(C.CSR_MIDELEG, 1n << 5n);
    inU.hart.writeCsr(C.CSR_MIE, 1n << 5n);
    inU.hart.writeCsr(C.CSR_MIP, 1n << 5n);
    runToWfi(inU, 10);
    expect(inU.hart.readCsr(C.CSR_SCAUSE)).toBe(INTR | 5n);
  });

  it('an M-level interrupt preempts a pending S-level one', () => {
    const m = setup(1, SIE);
    m.hart.writeCsr(C.CSR_MIDELEG, 1n << 9n);
    m.hart.writeCsr(C.CSR_MIE, (1n << 9n) | (1n << 7n));
    m.hart.setInterruptPending(9, true);
    m.hart.setInterruptPending(7, true);
    runToWfi(m, 10);
    expect(m.hart.mcause).toBe(INTR | 7n);
  });

  it('vectored mtvec sends interrupts to BASE + 4*cause, exceptions to BASE', () => {
    const m = setup(3, MIE);
    const base = RAM_BASE + 0x3000;
    m.hart.writeCsr(C.CSR_MTVEC, BigInt(base) | 1n);
    m.ram.write32(base + 4 * 7, E.csrw(C.CSR_MIE, 0));
    m.ram.write32(base + 4 * 7 + 4, E.WFI);
    m.hart.writeCsr(C.CSR_MIE, 1n << 7n);
    m.hart.setInterruptPending(7, true);
    runToWfi(m, 10);
    expect(m.hart.pc).toBe(BigInt(base + 4 * 7 + 8));

    const e = machine([E.ECALL]);
    e.hart.writeCsr(C.CSR_MTVEC, BigInt(base) | 1n);
    e.ram.write32(base, E.WFI);
    runToWfi(e, 10);
    expect(e.hart.pc).toBe(BigInt(base + 4));
  });

  it('notices a wire raised by an MMIO access before the next instruction', () => {
    const ref: { hart?: Hart } = {};
    const dev: MmioDevice = {
      size: 16,
      accessWidths: [4] as readonly AccessWidth[],
      read: () => 0n,
      write: () => ref.hart!.setInterruptPending(11, true),
    };
    const m = machine([E.sw(0, 11, 0), E.addi(10, 0, 1), E.WFI]);
    ref.hart = m.hart;
    m.bus.attach('doorbell', 0x1000_0000, dev);
    quietHandlers(m);
    m.hart.x[11] = 0x1000_0000n;
    m.hart.writeCsr(C.CSR_MSTATUS, MIE);
    m.hart.writeCsr(C.CSR_MIE, 1n << 11n);
    runToWfi(m, 10);
    expect(m.hart.mepc).toBe(BigInt(RAM_BASE + 4));
    expect(m.hart.x[10]).toBe(0n);
  });
});

describe('WFI (priv spec 3.3.3)', () => {
  it('returns wfi with nothing pending, pc after the WFI', () => {
    const m = machine([E.WFI, E.addi(10, 0, 1), E.WFI]);
    expect(m.hart.run(100).reason).toBe('wfi');
    expect(m.hart.pc).toBe(BigInt(RAM_BASE + 4));
    expect(m.hart.retired).toBe(1);
  });

  it('does not stop when an interrupt is pending and enabled in mie, even if globally masked', () => {
    const m = machine([E.WFI, E.addi(10, 0, 1), E.WFI]);
    m.hart.writeCsr(C.CSR_MIE, 1n << 7n);
    m.hart.setInterruptPending(7, true);
    expect(m.hart.run(2).reason).toBe('budget');
    expect(m.hart.x[10]).toBe(1n);
  });

  it('is allowed in S with TW = 0', () => {
    const m = machine([E.WFI]);
    m.hart.enter(1);
    expect(m.hart.run(10).reason).toBe('wfi');
  });
});

describe('requestExit', () => {
  it('returns the requested exit after the current instruction', () => {
    const ref: { hart?: Hart } = {};
    const dev: MmioDevice = {
      size: 16,
      accessWidths: [4] as readonly AccessWidth[],
      read: () => 0n,
      write: (_o, _w, v) => ref.hart!.requestExit({ reason: 'poweroff', code: Number(v) }),
    };
    const m = machine([E.addi(10, 0, 3), E.sw(10, 11, 0), E.addi(12, 0, 1), E.WFI]);
    ref.hart = m.hart;
    m.bus.attach('finisher', 0x10_0000, dev);
    m.hart.x[11] = 0x10_0000n;
    expect(m.hart.run(100)).toEqual({ reason: 'poweroff', code: 3 });
    expect(m.hart.pc).toBe(BigInt(RAM_BASE + 8));
    expect(m.hart.x[12]).toBe(0n);
    expect(m.hart.run(100).reason).toBe('wfi');
  });

  it('an M trap handler still sees HANDLER', () => {
    expect(HANDLER).toBe(RAM_BASE + 0x1000);
  });
});
