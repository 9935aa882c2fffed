import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { TRAP_STEP_LIMIT } from '@vm/vcpu';
import { NativeHypervisor } from './hypervisor.js';
import { NativeSession } from './native-session.js';

/**
 * issue 16 (reliability), native hypervisor: a guest whose trap handler faults on its own first
 * instruction. Under H the real hart takes those traps inside the guest (hedeleg delegates the
 * illegal-instruction exception to VS, H spec 8.2.2): no instruction retires and no exit reaches
 * the hypervisor, so a run loop counting retired instructions alone never returned (every wild
 * guest of `pnpm fuzz --modes native-hext` hung there). The loop is bounded by steps, and the VM
 * is stopped with a trap-storm report past TRAP_STEP_LIMIT trap steps in a row.
 */
const root = new URL('../../../', import.meta.url).pathname;
const HELLO = { file: 'uart-hello.elf', bytes: new Uint8Array(readFileSync(root + 'packages/machine/fixtures/uart-hello.elf')) };

/** An S-mode payload: stvec points at an illegal instruction, which it then executes. */
const TRAP_LOOP_S = {
  file: 'trap-loop.bin',
  bytes: assemble(`
  la t0, 1f
  csrw stvec, t0
1:
  .word 0
`, { base: 0x8020_0000n }).bytes,
};

describe('a trap loop inside a guest on the native hypervisor', () => {
  it.each(['trap', 'hext'] as const)('%s: run(budget) returns after the budget in steps, and the VM is stopped with a report; the neighbour runs on', (mode) => {
    const hv = new NativeHypervisor({ memory: 24 << 20, mode, hExtension: mode === 'hext', quantum: 10_000 });
    const loop = hv.createVm({ name: 'loop', memory: 8 << 20, kernel: TRAP_LOOP_S, sbi: 'hypervisor' });
    const healthy = hv.createVm({ name: 'healthy', memory: 4 << 20, kernel: HELLO, sbi: 'firmware', mode: 'trap' });
    const first = hv.run(50_000);
    if (mode === 'hext') {
      // Before the fix this call never returned: the traps stay inside the guest.
      expect(first.reason).toBe('budget');
      expect(first.instructions + first.trapSteps).toBeGreaterThanOrEqual(50_000);
    } else {
      // Trap-and-emulate: each trap is an exit that the hypervisor delivers into the guest, a
      // trap step as under H (it counted nothing before, so a trap loop ran on past any budget
      // until the storm limit); 10,000 exits in a row stop the VM (trap storm).
      expect(first.trapSteps).toBeGreaterThanOrEqual(10_000);
      expect(loop.stats.trapSteps).toBe(first.trapSteps);
    }
    expect(loop.stats.guestInstructions).toBeLessThan(10);
    for (let i = 0; i < 1000 && loop.state !== 'stopped'; i++) hv.run(1_000_000);
    expect(loop.state).toBe('stopped');
    expect(loop.report?.reason).toBe('trap-storm');
    if (mode === 'hext') {
      expect(loop.stats.trapSteps).toBeGreaterThan(TRAP_STEP_LIMIT);
      expect(loop.report?.message).toMatch(/trap steps in a row .* retired no instruction/);
    }
    expect(loop.report?.pc).toBe(0x8020_000cn);
    // A VM spinning in traps took no CPU time away for good: the neighbour printed and powered off.
    expect(healthy.console).toBe('hello from M-mode\n');
    expect(healthy.exitStatus).toBe(0);
  }, 60_000);

  it('the session driver counts trap steps, so --max-instructions ends a trap loop under H', () => {
    const hv = new NativeHypervisor({ memory: 16 << 20, mode: 'hext', hExtension: true });
    const loop = hv.createVm({ name: 'loop', memory: 8 << 20, kernel: TRAP_LOOP_S, sbi: 'hypervisor' });
    const s = new NativeSession(hv, [loop]).run(20_000);
    expect(s.end).toBe('budget');
    expect(s.ran).toBeLessThan(10);
    expect(s.ran + (s.trapped ?? 0)).toBeGreaterThanOrEqual(20_000);
  });
});
