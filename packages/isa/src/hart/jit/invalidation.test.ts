/**
 * Page-granular invalidation: code that rewrites itself, and code written into RAM from outside
 * the hart (a device's DMA through Ram, a store through the bus), runs the new instructions with
 * the translator on, exactly as the interpreter does.
 */
import { describe, expect, it } from 'vitest';
import { Mmu, Ram, SystemBus } from '@vm/mmu';
import { assemble } from '../../asm/assemble.js';
import { Hart } from '../hart.js';
import { ManualClock, RAM_BASE } from '../test-support/machine.js';

function board(src: string, translate: boolean): { hart: Hart; ram: Ram; bus: SystemBus; symbols: Map<string, bigint> } {
  const ram = new Ram(RAM_BASE, 1 << 20);
  const bus = new SystemBus(ram);
  const hart = new Hart({ hartId: 0, bus, mmu: new Mmu(bus), clock: new ManualClock(), translate, translateThreshold: 2 });
  const a = assemble(src, { base: BigInt(RAM_BASE) });
  ram.load(RAM_BASE, a.bytes);
  hart.reset(BigInt(RAM_BASE));
  return { hart, ram, bus, symbols: a.symbols };
}

/** Each pass runs `addi x6, x6, imm` and then patches imm to the loop counter (fence.i as the spec asks). */
const SMC = `
  li x5, 100
  li x8, 0x00030313        # addi x6, x6, 0: the immediate is ORed in
loop:
target:
  addi x6, x6, 1
  andi x7, x5, 0x7ff
  slli x7, x7, 20
  or x7, x7, x8
  la x9, target
  sw x7, 0(x9)
  fence.i
  addi x5, x5, -1
  bnez x5, loop
  wfi
`;

describe('self-modifying code and DMA into code pages', () => {
  it('a loop that patches its own instruction sees every patch (same result and count as the interpreter)', () => {
    const on = board(SMC, true);
    const off = board(SMC, false);
    expect(on.hart.run(1_000_000).reason).toBe('wfi');
    expect(off.hart.run(1_000_000).reason).toBe('wfi');
    // Pass 1 adds 1, pass i ≥ 2 adds 102 - i: 1 + (2 + ... + 100).
    expect(on.hart.x[6]).toBe(5050n);
    expect([...on.hart.x]).toEqual([...off.hart.x]);
    expect(on.hart.retired).toBe(off.hart.retired);
    expect(on.hart.translations!.stats.invalidations).toBeGreaterThan(0);
  });

  it('also without fence.i (stores are tracked exactly, not at fences)', () => {
    const src = SMC.replace('fence.i', 'nop');
    const on = board(src, true);
    expect(on.hart.run(1_000_000).reason).toBe('wfi');
    expect(on.hart.x[6]).toBe(5050n);
  });

  for (const how of ['Ram.write32 (device DMA)', 'SystemBus.write', 'a slice written by a device']) {
    it(`code replaced between run() calls through ${how} runs the new instruction`, () => {
      const src = 'loop:\ntarget:\naddi x6, x6, 1\naddi x5, x5, -1\nbnez x5, loop\nwfi';
      const m = board(src, true);
      m.hart.x[5] = 1000n;
      m.hart.run(300); // hot: translated, looping inside its block
      expect(m.hart.translations!.stats.translated).toBeGreaterThan(0);
      const at = Number(m.symbols.get('target')!);
      const addi10 = 0x00a3_0313; // addi x6, x6, 10
      if (how.startsWith('Ram')) m.ram.write32(at, addi10);
      else if (how.startsWith('System')) m.bus.write(at, 4, BigInt(addi10));
      else new DataView(m.ram.slice(at, 4).buffer, m.ram.slice(at, 4).byteOffset).setUint32(0, addi10, true);
      const before = m.hart.x[6];
      const left = m.hart.x[5];
      expect(m.hart.run(1_000_000).reason).toBe('wfi');
      expect(m.hart.x[6]).toBe(before + 10n * left);
    });
  }

  it('a page rewritten over and over is left to the interpreter, still correct', () => {
    const src = SMC.replace('li x5, 100', 'li x5, 2000');
    const on = board(src, true);
    const off = board(src, false);
    on.hart.run(10_000_000);
    off.hart.run(10_000_000);
    expect([...on.hart.x]).toEqual([...off.hart.x]);
    expect(on.hart.retired).toBe(off.hart.retired);
  });
});
