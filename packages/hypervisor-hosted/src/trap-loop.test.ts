import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GuestSpec } from '@vm/core';
import { describe, expect, it } from 'vitest';
import { HostedSession } from './hosted-session.js';
import { hostedAccelStack, hostedHost, hostedSoftStack } from './hosted-stack.js';

/**
 * Issue 16: a hosted VM whose guest traps on (nearly) every step must not take more than its share
 * of the host from a neighbouring VMM, and `--max-instructions` and WFI with interrupts off must end
 * it in the VMM process, as the native hypervisor does (packages/hypervisor-native/src/trap-loop.test.ts).
 */

const kernelM = fileURLToPath(new URL('../../../guests/images/kernel-m.elf', import.meta.url));
const QUANTUM = 50_000;

/** Little-endian instruction words as a raw M-mode image loaded at 0x8000_0000. */
function image(words: readonly number[]): Uint8Array {
  const b = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => b.writeUInt32LE(w >>> 0, i * 4));
  return new Uint8Array(b);
}

// mtvec = 0x8000_0010, the handler: `auipc t0, 0; addi t0, t0, 16; csrw mtvec, t0; nop`.
const SET_MTVEC = [0x00000297, 0x01028293, 0x30529073, 0x00000013];
/** Its handler retires one instruction (`addi t1, t1, 1`) and then traps (an illegal all-zero word) forever. */
const RETIRING_STORM = image([...SET_MTVEC, 0x00130313, 0x00000000]);
/** Its handler is the illegal word itself: every step from there on is a trap that retires nothing. */
const PURE_STORM = image([...SET_MTVEC, 0x00000000]);
/** `csrw mie, zero; csrci mstatus, MIE; 1: wfi; j 1b`: waits for an interrupt nothing can raise. */
const WFI_MASKED = image([0x30401073, 0x30047073, 0x10500073, 0xffdff06f]);

const raw = (bytes: Uint8Array, maxInstructions?: number): GuestSpec => ({ memory: 4 << 20, kernel: { file: 'storm.bin', bytes }, sbi: 'firmware', maxInstructions });

describe('@vm/hypervisor-hosted: a trap-storming VM beside a good one', () => {
  for (const mode of ['accel', 'soft'] as const) {
    it(`${mode}: its trap steps end its slices and are charged, so the good VM keeps a fair share`, () => {
      const host = hostedHost(
        [
          { name: 'good', spec: { memory: 16 << 20, kernel: { file: 'kernel-m.elf', bytes: readFileSync(kernelM) }, append: 'workload=cpu cpu.iters=100000' } },
          { name: 'storm', spec: raw(RETIRING_STORM) },
        ],
        mode,
        { quantum: QUANTUM },
      );
      const [good, storm] = host.vmms;
      host.kernel.run(1_000_000);
      // The storm is alive and trapping: about one trap step per instruction it retires.
      expect(storm!.process.state).toBe('runnable');
      expect(storm!.vmm.exit).toBeUndefined();
      const stormSteps = storm!.vmm.guestInstructions + storm!.vmm.trapSteps;
      expect(storm!.vmm.trapSteps).toBeGreaterThan(0.4 * stormSteps);
      // Charged for every step it took (instructions and traps; a few more for its system calls),
      // in slices that its trap steps end: at most a quantum of steps under /dev/vmm; the soft
      // VMM's board bounds instructions and trap steps by the slice apart (VirtMachine.run), so
      // at most two quanta there, every one of them charged.
      expect(storm!.process.stats.instructions).toBeGreaterThanOrEqual(stormSteps);
      expect(storm!.process.stats.instructions).toBeLessThan(stormSteps + 1000);
      expect(stormSteps / storm!.process.stats.slices).toBeLessThanOrEqual(mode === 'accel' ? QUANTUM : 2 * QUANTUM);
      // Equal weights: the hart is shared about evenly, counted in steps, and the good guest runs
      // as many instructions as the storm takes steps.
      const ratio = good!.process.stats.instructions / storm!.process.stats.instructions;
      expect(ratio).toBeGreaterThan(0.85);
      expect(ratio).toBeLessThan(1.15);
      expect(good!.vmm.guestInstructions / stormSteps).toBeGreaterThan(0.85);
    }, 120_000);
  }
});

describe('@vm/hypervisor-hosted: limits of a trapping guest in the VMM process', () => {
  for (const stack of [hostedAccelStack, hostedSoftStack]) {
    it(`${stack.name}: --max-instructions bounds trap steps that retire nothing`, () => {
      // 5,000 is below either trap-storm limit (10,000 exits or traps in a row): the run limit ends it.
      const r = stack.run(raw(PURE_STORM, 5_000));
      expect(r.exit).toEqual({ reason: 'budget' });
      // Its five set-up instructions, then traps only (the first illegal word counts once as it retires into the handler).
      expect(r.guestInstructions).toBeLessThan(20);
    });

    it(`${stack.name}: a trap storm past the limit is stopped with a report`, () => {
      const r = stack.run(raw(PURE_STORM, 1_000_000));
      expect(r.exit.reason).toBe('halt');
      expect(r.exit.reason === 'halt' ? r.exit.message : '').toMatch(/trap-storm/);
    });

    it(`${stack.name}: WFI with interrupts off ends the VM instead of spinning`, () => {
      const r = stack.run(raw(WFI_MASKED, 100_000_000));
      expect(r.exit.reason).toBe('halt');
      expect(r.exit.reason === 'halt' ? r.exit.message : '').toMatch(/^wfi: /);
      expect(r.guestInstructions).toBeLessThan(10);
    });

    it(`${stack.name}: an interactive guest in WFI with interrupts off sleeps until input ends, then stops`, () => {
      const host = hostedHost([{ name: 'guest', spec: raw(WFI_MASKED), interactive: true }], stack === hostedAccelStack ? 'accel' : 'soft');
      const session = new HostedSession(host);
      // Its VMM sleeps (blocked until input) instead of spinning: the host is idle at once.
      const first = session.run(2_000_000);
      expect(first.end).toBe('idle');
      expect(host.vmms[0]!.process.state).toBe('blocked');
      const slices = host.vmms[0]!.process.stats.slices;
      expect(session.run(2_000_000).end).toBe('idle');
      expect(host.vmms[0]!.process.stats.slices).toBe(slices);
      // Input has ended: the VMM wakes and stops its guest with the report.
      session.endInput();
      expect(session.run(2_000_000).end).toBe('stopped');
      expect(session.exit().reason).toBe('halt');
      expect(session.report()).toMatch(/wfi: the guest waits for an interrupt that nothing will raise.*standard input has ended/);
    });
  }
});
