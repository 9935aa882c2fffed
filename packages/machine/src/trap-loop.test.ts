import { describe, expect, it } from 'vitest';
import { bootVirt } from './boot.js';
import { VirtMachine } from './virt.js';

/**
 * A kernel of zeros: its first instruction is illegal and mtvec is 0, where nothing is mapped, so
 * every step takes a fetch fault and none retires an instruction (issue 16, item 1). run() must
 * still come back after its budget of steps, or no driver can stop the guest.
 */
describe('a guest that only traps', () => {
  it('returns from run(budget) with the traps counted as steps, on one hart and on four', () => {
    for (const harts of [1, 4]) {
      const m = new VirtMachine({ memory: 16 << 20, harts, console: () => {} });
      bootVirt(m, { kernel: { file: 'zeros.bin', bytes: new Uint8Array(4096) } });
      const retired = m.retired;
      for (let i = 0; i < 3; i++) expect(m.run(50_000).reason).toBe('budget');
      expect(m.trapSteps).toBeGreaterThanOrEqual(3 * 50_000 - 100);
      expect(m.retired - retired).toBeLessThan(100 * harts);
    }
  });

  it('leaves run(budget) of a guest that never traps as it was: exactly the budget retired', () => {
    // `j .` (0x0000006f): one instruction retired per step, no trap.
    const m = new VirtMachine({ memory: 16 << 20, console: () => {} });
    bootVirt(m, { kernel: { file: 'spin.bin', bytes: new Uint8Array([0x6f, 0, 0, 0]) } });
    const before = m.retired;
    expect(m.run(123_457).reason).toBe('budget');
    expect(m.retired - before).toBe(123_457);
    expect(m.trapSteps).toBe(0);
  });
});
