import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { bootVirt } from './boot.js';
import { VirtMachine } from './virt.js';

/*
 * The A extension across harts on the board (issue 17: "LR/SC and AMOs correct across harts").
 * The board runs its harts one after another, a quantum of instructions each; whatever the
 * quantum, an SC must fail when another hart may have stored to the reserved address since the
 * LR (unpriv spec 8.2), and an AMO is one indivisible read-modify-write (8.4).
 */

const COUNTERS = 0x8010_0000;
const ITERATIONS = 3000;

/**
 * M-mode, every hart: ITERATIONS times add 1 to four shared counters with amoadd.w, amoadd.d, an
 * lr.w/sc.w loop and an lr.d/sc.d loop (the constrained loops of 8.3); count this hart's failed
 * SCs at COUNTERS + 64 + 8·hartid; amoadd 1 to the "done" word; wait in WFI.
 */
const COUNTING = assemble(
  `
  .equ COUNTERS, ${COUNTERS}
  csrr s2, mhartid
  li s0, COUNTERS
  li t0, ${ITERATIONS}
  li t1, 1
  li s1, 0
loop:
  amoadd.w zero, t1, (s0)
  addi a1, s0, 8
  amoadd.d zero, t1, (a1)
  addi a2, s0, 16
1:
  lr.w t2, (a2)
  addiw t2, t2, 1
  sc.w t3, t2, (a2)
  add s1, s1, t3
  bnez t3, 1b
  addi a3, s0, 24
2:
  lr.d t2, (a3)
  addi t2, t2, 1
  sc.d t3, t2, (a3)
  add s1, s1, t3
  bnez t3, 2b
  addi t0, t0, -1
  bnez t0, loop
  slli a4, s2, 3
  add a4, a4, s0
  sd s1, 64(a4)
  addi a5, s0, 32
  amoadd.w zero, t1, (a5)
3:
  wfi
  j 3b
`,
  { base: 0x8000_0000n },
).bytes;

function runUntilWfi(m: VirtMachine): void {
  for (let i = 0; i < 200; i++) {
    const exit = m.run(1_000_000);
    if (exit.reason === 'wfi') return;
    if (exit.reason !== 'budget') throw new Error(`unexpected exit ${exit.reason}`);
  }
  throw new Error('the harts did not finish');
}

describe('LR/SC and AMOs across harts', () => {
  // Quanta that end inside the LR/SC loops at shifting points, and the board's default.
  for (const [harts, quantum, translate] of [
    [2, 7, false],
    [4, 13, false],
    [4, 101, true],
    [4, 10_000, true],
  ] as const) {
    it(`give exact totals: ${harts} harts, quantum ${quantum}, translate ${translate}`, () => {
      const m = new VirtMachine({ memory: 16 << 20, harts, quantum, translate, translateThreshold: 2, console: () => {} });
      bootVirt(m, { kernel: { file: 'counting.bin', bytes: COUNTING } });
      runUntilWfi(m);
      const want = harts * ITERATIONS;
      expect(m.ram.read32(COUNTERS)).toBe(want);
      expect(m.ram.read64(COUNTERS + 8)).toBe(BigInt(want));
      expect(m.ram.read32(COUNTERS + 16)).toBe(want);
      expect(m.ram.read64(COUNTERS + 24)).toBe(BigInt(want));
      expect(m.ram.read32(COUNTERS + 32)).toBe(harts);
      // With a quantum shorter than a loop iteration's path, some SCs straddle a switch and fail.
      let failed = 0n;
      for (let h = 0; h < harts; h++) failed += m.ram.read64(COUNTERS + 64 + 8 * h);
      if (quantum < 100) expect(failed).toBeGreaterThan(0n);
    });
  }

  it('an SC fails after another hart stored to the reserved address', () => {
    // Hart 0: LR, spin long enough for hart 1 to run, SC; the SC's status goes to +8.
    // Hart 1: store 7 to the reserved word. (Hart 1 waits in WFI at once if it is not hart 1.)
    const program = assemble(
      `
  .equ DATA, ${COUNTERS}
  csrr t0, mhartid
  li s0, DATA
  bnez t0, other
  lr.w t1, (s0)
  li t2, 100
1:
  addi t2, t2, -1
  bnez t2, 1b
  li t1, 99
  sc.w t3, t1, (s0)
  sd t3, 8(s0)
  j done
other:
  li t1, 7
  sw t1, 0(s0)
done:
  wfi
  j done
`,
      { base: 0x8000_0000n },
    ).bytes;
    const m = new VirtMachine({ memory: 16 << 20, harts: 2, quantum: 20, console: () => {} });
    bootVirt(m, { kernel: { file: 'steal.bin', bytes: program } });
    runUntilWfi(m);
    expect(m.ram.read64(COUNTERS + 8)).toBe(1n);
    expect(m.ram.read32(COUNTERS)).toBe(7);
  });
});
