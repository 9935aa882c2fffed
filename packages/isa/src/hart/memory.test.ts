import type { AccessWidth, MmioDevice } from '@vm/core';
import { describe, expect, it } from 'vitest';
import * as E from './test-support/encode.js';
import { installWfiHandler, machine, RAM_BASE, runToWfi } from './test-support/machine.js';

const A0 = 10, A1 = 11, A2 = 12;
const DATA = RAM_BASE + 0x8000;

class Regs implements MmioDevice {
  readonly size = 0x100;
  readonly accessWidths: readonly AccessWidth[] = [1, 2, 4, 8];
  readonly writes: [number, number, bigint][] = [];
  read(offset: number, width: AccessWidth): bigint {
    return BigInt(offset + width) | 0x8000_0000n;
  }
  write(offset: number, width: AccessWidth, value: bigint): void {
    this.writes.push([offset, width, value]);
  }
}

describe('loads and stores (unpriv spec 2.6)', () => {
  it('sign- and zero-extends each width', () => {
    const m = machine([
      E.lb(1, A1, 0), E.lbu(3, A1, 0), E.lh(4, A1, 0), E.lhu(5, A1, 0), E.lw(6, A1, 0), E.lwu(7, A1, 0),
      E.ldd(8, A1, 0), E.WFI,
    ]);
    m.ram.write64(DATA, 0xfedc_ba98_8765_8382n);
    m.hart.x[A1] = BigInt(DATA);
    runToWfi(m);
    const x = m.hart.x;
    expect(x[1]).toBe(0xffff_ffff_ffff_ff82n);
    expect(x[3]).toBe(0x82n);
    expect(x[4]).toBe(0xffff_ffff_ffff_8382n);
    expect(x[5]).toBe(0x8382n);
    expect(x[6]).toBe(0xffff_ffff_8765_8382n);
    expect(x[7]).toBe(0x8765_8382n);
    expect(x[8]).toBe(0xfedc_ba98_8765_8382n);
  });

  it('stores each width with a negative offset', () => {
    const m = machine([E.sd(A2, A1, -8), E.sw(A2, A1, 0), E.sh(A2, A1, 4), E.sb(A2, A1, 6), E.WFI]);
    m.hart.x[A1] = BigInt(DATA + 8);
    m.hart.x[A2] = 0x1122_3344_5566_7788n;
    runToWfi(m);
    expect(m.ram.read64(DATA)).toBe(0x1122_3344_5566_7788n);
    expect(m.ram.read32(DATA + 8)).toBe(0x5566_7788);
    expect(m.ram.read16(DATA + 12)).toBe(0x7788);
    expect(m.ram.read8(DATA + 14)).toBe(0x88);
  });

  it('performs misaligned accesses, also across a page boundary', () => {
    const m = machine([E.sd(A2, A1, 0), E.ldd(A0, A1, 0), E.lw(3, A1, 1), E.WFI]);
    const addr = DATA + 0xffd; // 3 bytes before the page end
    m.hart.x[A1] = BigInt(addr);
    m.hart.x[A2] = 0x0102_0304_0506_0708n;
    runToWfi(m);
    expect(m.ram.read64(addr)).toBe(0x0102_0304_0506_0708n);
    expect(m.hart.x[A0]).toBe(0x0102_0304_0506_0708n);
    expect(m.hart.x[3]).toBe(0x0405_0607n);
  });

  it('reaches MMIO devices through the bus', () => {
    const m = machine([E.lw(A0, A1, 4), E.sh(A2, A1, 8), E.WFI]);
    const dev = new Regs();
    m.bus.attach('regs', 0x1000_0000, dev);
    m.hart.x[A1] = 0x1000_0000n;
    m.hart.x[A2] = 0xabcdn;
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(0xffff_ffff_8000_0008n);
    expect(dev.writes).toEqual([[8, 2, 0xabcdn]]);
  });

  it('raises access faults with tval = the address where nothing answers', () => {
    for (const [insn, cause] of [[E.ldd(A0, A1, 8), 5n], [E.sw(A0, A1, 8), 7n]] as const) {
      const m = machine([insn]);
      installWfiHandler(m);
      m.hart.x[A1] = 0x2000_0000n;
      runToWfi(m);
      expect(m.hart.mcause).toBe(cause);
      expect(m.hart.mtval).toBe(0x2000_0008n);
      expect(m.hart.mepc).toBe(BigInt(RAM_BASE));
    }
  });

  it('raises a fetch access fault when pc leaves RAM', () => {
    const m = machine([E.jalr(0, A1, 0)]);
    installWfiHandler(m);
    m.hart.x[A1] = 0x3000_0000n;
    runToWfi(m);
    expect(m.hart.mcause).toBe(1n);
    expect(m.hart.mtval).toBe(0x3000_0000n);
    expect(m.hart.mepc).toBe(0x3000_0000n);
  });

  it('sees code written by its own stores (no stale decoded instructions)', () => {
    // overwrite the instruction at +12 (addi a0,0,1) with addi a0,0,2 then fence.i and run it
    const m = machine([E.sw(A2, A1, 0), E.FENCE_I, E.NOP, E.addi(A0, 0, 1), E.WFI]);
    m.hart.x[A1] = BigInt(RAM_BASE + 12);
    m.hart.x[A2] = BigInt(E.addi(A0, 0, 2) >>> 0);
    runToWfi(m);
    expect(m.hart.x[A0]).toBe(2n);
  });
});
