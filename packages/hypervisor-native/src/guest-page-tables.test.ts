import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { NativeHypervisor } from './hypervisor.js';
import { bareResults, file, results, runToEnd } from './test-support/guest-runs.js';

/**
 * A raw M-mode program (`-bios none`) that builds two Sv39 address spaces A (root 0x8001_0000) and
 * B (root 0x8001_3000): each maps its own tables and code by an identity gigapage (as kernels do
 * with their direct map) and va 0x4000_0000 to the data page 0x8002_0000 (0x1111) through its own
 * level-1/level-0 tables. In S-mode it remaps va 0x4000_0000 to 0x8002_1000 (0x2222) by storing
 * the level-0 PTE, first in A while A is current, then in B while A is current (B's view is cached),
 * each followed by SFENCE.VMA (priv spec 4.2.1), and records what it read at 0x8003_0000.
 */
const GUEST = assemble(`
  li t0, 0x80010000
  li t1, 0x20004401
  sd t1, 8(t0)
  li t1, 0x200000cf
  sd t1, 16(t0)
  li t0, 0x80011000
  li t1, 0x20004801
  sd t1, 0(t0)
  li t0, 0x80012000
  li t1, 0x200080c7
  sd t1, 0(t0)
  li t0, 0x80013000
  li t1, 0x20005001
  sd t1, 8(t0)
  li t1, 0x200000cf
  sd t1, 16(t0)
  li t0, 0x80014000
  li t1, 0x20005401
  sd t1, 0(t0)
  li t0, 0x80015000
  li t1, 0x200080c7
  sd t1, 0(t0)
  li t0, 0x80020000
  li t1, 0x1111
  sd t1, 0(t0)
  li t0, 0x80021000
  li t1, 0x2222
  sd t1, 0(t0)
  la t0, mtrap
  csrw mtvec, t0
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  li s1, 0x8000000000080010
  li s2, 0x8000000000080013
  csrw satp, s1
  sfence.vma
  li t0, 0x800
  csrw mstatus, t0
  la t0, smode
  csrw mepc, t0
  mret
smode:
  li s0, 0x40000000
  li s3, 0x200084c7
  ld a0, 0(s0)
  li t0, 0x80012000
  sd s3, 0(t0)
  sfence.vma
  ld a1, 0(s0)
  csrw satp, s2
  sfence.vma
  ld a2, 0(s0)
  csrw satp, s1
  sfence.vma
  li t0, 0x80015000
  sd s3, 0(t0)
  sfence.vma
  csrw satp, s2
  sfence.vma
  ld a3, 0(s0)
  li t0, 0x80030000
  sd a0, 0(t0)
  sd a1, 8(t0)
  sd a2, 16(t0)
  sd a3, 24(t0)
  ecall
mtrap:
  li t0, 0x100000
  li t1, 0x5555
  sw t1, 0(t0)
1:
  j 1b
`, { base: 0x8000_0000n });

describe('write-protected guest page tables (trap mode)', () => {
  it('a guest PTE store takes a shadow.wp-fault; after SFENCE.VMA the new mapping is seen, in the current and in a cached address space', () => {
    const hv = new NativeHypervisor({ memory: 64 << 20, quantum: 100_000 });
    const vm = hv.createVm({ name: 'remap', memory: 16 << 20, kernel: { file: 'remap.bin', bytes: GUEST.bytes }, sbi: 'firmware' });
    runToEnd(hv, vm, 5);
    expect(vm.describe()).toContain('status 0');
    const seen = [0, 8, 16, 24].map((o) => vm.ram.read64(0x8003_0000 + o));
    expect(seen).toEqual([0x1111n, 0x2222n, 0x1111n, 0x2222n]);
    const ev = vm.stats.events();
    // Both PTE stores hit write-protected tables; the guest's SFENCE.VMAs dropped no shadow.
    expect(ev['shadow.wp-fault']).toBe(2);
    expect(ev['shadow.invalidate']).toBeGreaterThanOrEqual(2);
    expect(ev['shadow.flush']).toBeUndefined();
  });

  it('kernel-m workload=cpu,fork,console prints the bare-metal RESULT lines', () => {
    const append = 'workload=cpu,fork,console';
    const expected = bareResults(append);
    const hv = new NativeHypervisor({ memory: 128 << 20, quantum: 100_000 });
    const vm = hv.createVm({ name: 'k', memory: 64 << 20, kernel: file('guests/images/kernel-m.elf'), append });
    runToEnd(hv, vm);
    expect(results(vm.console)).toEqual(expected);
    const ev = vm.stats.events();
    expect(ev['shadow.wp-fault']).toBeGreaterThan(0);
    expect(ev['shadow.invalidate']).toBeGreaterThan(0);
    console.log(`kernel-m ${append}: ${vm.stats.guestInstructions} instructions`, ev);
  }, 60_000);
});
