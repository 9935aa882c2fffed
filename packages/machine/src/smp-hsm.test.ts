import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { bootVirt } from './boot.js';
import { VirtMachine } from './virt.js';
import { FIRMWARE, file, haveFirmware } from './test-support/firmware.js';

/*
 * Secondary harts through OpenSBI (issue 17: "SMP Linux on the bare board"). An S-mode payload of
 * Debian's fw_jump starts harts 1..N-1 one after another with the SBI HSM extension's hart_start
 * (SBI spec v1.0, chapter 9: EID 0x48534D, FID 0) — what Linux's cpu_ops_sbi does — and measures
 * in `time` ticks how long each takes to reach its start address, as Linux's __cpu_up waits
 * (up to one second) for a secondary to check in. Then it powers off with SRST (chapter 10).
 * `time` is one clock for all harts: the secondary, started after the primary read `time`, must
 * read a later value (priv spec 3.2.1 mtime; unpriv Zicntr: the harts' clocks are synchronized).
 */

const RESULTS = 0x8300_0000;

/** Results: +8·h hart h's `time` on arrival (0: not arrived); +0x100 + 8·h hart_start's error; +0x200 + 8·h time at hart_start. */
const PAYLOAD = (harts: number): Uint8Array =>
  assemble(
    `
  .equ RESULTS, ${RESULTS}
  .equ HSM, 0x48534D
  .equ SRST, 0x53525354
_start:
  li s0, RESULTS
  li s1, 1
next:
  li t0, ${harts}
  bge s1, t0, off
  slli s2, s1, 3
  add s2, s2, s0
  rdtime t1
  sd t1, 0x200(s2)
  mv a0, s1
  la a1, secondary
  li a2, 0
  li a7, HSM
  li a6, 0
  ecall
  sd a0, 0x100(s2)
  bnez a0, started
wait:
  ld t1, 0(s2)
  beqz t1, wait
started:
  addi s1, s1, 1
  j next
off:
  li a7, SRST
  li a6, 0
  li a0, 0
  li a1, 0
  ecall
1:
  j 1b
secondary:
  li s0, RESULTS
  slli t0, a0, 3
  add t0, t0, s0
  rdtime t1
  sd t1, 0(t0)
2:
  wfi
  j 2b
`,
    { base: 0x8020_0000n },
  ).bytes;

describe.skipIf(!haveFirmware)('secondary harts through OpenSBI HSM', () => {
  for (const harts of [2, 4]) {
    it(`-smp ${harts}: hart_start brings every secondary to its start address, later in time, within a millisecond`, () => {
      const m = new VirtMachine({ memory: 64 << 20, harts, console: () => {} });
      bootVirt(m, { bios: file(FIRMWARE.fwJump), kernel: { file: 'hsm.bin', bytes: PAYLOAD(harts) } });
      let exit = m.run(1_000_000);
      for (let i = 0; i < 200 && exit.reason === 'budget'; i++) exit = m.run(1_000_000);
      expect(exit).toEqual({ reason: 'poweroff', code: 0 });
      for (let h = 1; h < harts; h++) {
        expect(m.ram.read64(RESULTS + 0x100 + 8 * h)).toBe(0n);
        const arrived = m.ram.read64(RESULTS + 8 * h);
        const asked = m.ram.read64(RESULTS + 0x200 + 8 * h);
        expect(arrived).toBeGreaterThan(asked);
        // 10 MHz timebase: 10_000 ticks = 1 ms.
        expect(arrived - asked).toBeLessThan(10_000n);
      }
    });
  }
});
