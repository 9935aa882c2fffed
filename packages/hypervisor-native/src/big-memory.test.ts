import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { NativeHypervisor } from './hypervisor.js';

const root = new URL('../../../', import.meta.url).pathname;
/** Stores three doublewords — RAM offset 16, guest-physical 0x1_0000_0010, 0x1_3fff_fff0 — and reads them back (HTIF exit 0). */
const HIGH_RAM = { file: 'high-ram-3g.elf', bytes: new Uint8Array(readFileSync(root + 'packages/machine/fixtures/high-ram-3g.elf')) };
const GIB = 2 ** 30;
/**
 * The same probes as an S-mode payload (raw, at 0x8020_0000) for the H-extension back end, which
 * runs S-mode guests on its own SBI: SRST shutdown, reason 0 (status 0) when all three read back,
 * else reason 1 (system failure).
 */
const HIGH_RAM_S = {
  file: 'high-ram-s.bin',
  bytes: assemble(`
  li s0, 0x80000010
  li s1, 0x100000010
  li s2, 0x13ffffff0
  li t0, 0x1111222233334444
  li t1, 0x5555666677778888
  li t2, 0x9999aaaabbbbcccc
  sd t0, 0(s0)
  sd t1, 0(s1)
  sd t2, 0(s2)
  li a1, 1
  ld a0, 0(s0)
  bne a0, t0, 1f
  ld a0, 0(s1)
  bne a0, t1, 1f
  ld a0, 0(s2)
  bne a0, t2, 1f
  li a1, 0
1:
  li a0, 0
  li a6, 0
  li a7, 0x53525354
  ecall
2:
  j 2b
`, { base: 0x8020_0000n }).bytes,
};

describe('issue 16 item 8: VMs whose RAM sums beyond 4 GiB share one hypervisor', () => {
  it.each(['trap', 'hext'] as const)('two 3 GiB VMs (%s): each writes above 4 GiB of its guest-physical space and reads it back', (mode) => {
    const hv = new NativeHypervisor({ memory: 6 * GIB + (64 << 20), mode, hExtension: mode === 'hext' });
    const guest = mode === 'trap' ? { kernel: HIGH_RAM, sbi: 'firmware' as const } : { kernel: HIGH_RAM_S, sbi: 'hypervisor' as const };
    const a = hv.createVm({ name: 'a', memory: 3 * GIB, ...guest });
    const b = hv.createVm({ name: 'b', memory: 3 * GIB, ...guest });
    // b's RAM lies beyond 4 GiB of host RAM: its host physical window starts above 2^32 + 2 GiB.
    expect(b.window.offset).toBeGreaterThan(3 * GIB);
    expect(b.window.base + b.window.size).toBeGreaterThan(2 ** 32 + 2 * GIB);
    expect(hv.run(2_000_000).reason).toBe('stopped');
    expect(a.exitStatus).toBe(0);
    expect(b.exitStatus).toBe(0);
    // The words sit in each VM's own window of host RAM (guest PA 0x1_3fff_fff0 is offset 3 GiB - 16).
    for (const vm of [a, b]) {
      expect(hv.host.ram.read64(vm.window.base + 3 * GIB - 16)).toBe(0x9999_aaaa_bbbb_ccccn);
      expect(hv.host.ram.read64(vm.window.base + 2 * GIB + 16)).toBe(0x5555_6666_7777_8888n);
      expect(vm.ram.read64(0x1_0000_0010)).toBe(0x5555_6666_7777_8888n);
    }
    // Committed lazily: 6 GiB of guests that touched a few pages cost the host a few MiB.
    expect(hv.host.ram.store.committedBytes).toBeLessThan(64 << 20);
  }, 120_000);
});
