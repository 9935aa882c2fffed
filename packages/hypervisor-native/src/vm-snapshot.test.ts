import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vm/core';
import { SnapshotRestoreError } from '@vm/machine';
import { NativeHypervisor } from './hypervisor.js';
import { file, results } from './test-support/guest-runs.js';
import { bareGuest, HOST_MEMORY, nativeGuest, runNativeToEnd, runNativeUntil, throughFile } from './test-support/snapshot-runs.js';
import type { VmSnapshot } from './vm-snapshot.js';

const reference = (() => {
  let ref: { console: string; retired: number } | undefined;
  return () => {
    if (ref === undefined) {
      const { hv, vm } = nativeGuest();
      runNativeToEnd(hv, vm);
      expect(vm.exitStatus).toBe(0);
      ref = { console: vm.console, retired: vm.vcpu.hart.retired };
    }
    return ref;
  };
})();

describe('VM snapshots on the native hypervisor', () => {
  it('snapshot at three points (cpu, fork, during disk I/O), restore on a new hypervisor: same console and instruction count', () => {
    const ref = reference();
    expect(results(ref.console)).toContain('DONE pass');
    for (const at of [5_000_000, 20_000_000, 25_000_000]) {
      const { hv, vm } = nativeGuest();
      runNativeUntil(hv, vm, at);
      const mmio = vm.stats.exits('mmio');
      if (at === 25_000_000) {
        // Mid-way through the disk workload: virtio-blk requests issued, its RESULT not yet printed.
        expect(mmio).toBeGreaterThan(1000);
        expect(vm.console).not.toContain('RESULT disk');
      }
      const t0 = performance.now();
      const s = hv.snapshotVm(vm);
      const captureMs = performance.now() - t0;
      const f = throughFile(s);
      const t1 = performance.now();
      const hv2 = new NativeHypervisor({ memory: HOST_MEMORY });
      const vm2 = hv2.restoreVm(f.snapshot, { name: 'b' });
      const restoreMs = performance.now() - t1;
      runNativeToEnd(hv2, vm2);
      console.log(`native@${vm.vcpu.hart.retired}: mmio exits so far ${mmio}, .vmsnap ${f.bytes} bytes, capture ${captureMs.toFixed(1)} ms, encode ${f.encodeMs.toFixed(1)} ms, decode ${f.decodeMs.toFixed(1)} ms, restore ${restoreMs.toFixed(1)} ms`);
      expect(vm.console + vm2.console).toBe(ref.console);
      expect(vm2.vcpu.hart.retired).toBe(ref.retired);
      expect(vm2.exitStatus).toBe(0);
      if (at === 20_000_000) {
        // Taking the snapshot does not disturb the original.
        runNativeToEnd(hv, vm);
        expect(vm.console).toBe(ref.console);
        expect(vm.vcpu.hart.retired).toBe(ref.retired);
      }
    }
  }, 300_000);

  it('bare virt board → native VM: continues to the bare run’s result', () => {
    const bare = bareGuest();
    for (let i = 0; i < 400 && bare.m.run(1_000_000).reason === 'budget'; i++);
    const refConsole = Buffer.from(bare.out).toString('latin1');
    const refRetired = bare.m.harts[0]!.retired;
    const g = bareGuest();
    while (g.m.harts[0]!.retired < 24_000_000) g.m.run(100_000);
    const f = throughFile(g.m.snapshot());
    const hv = new NativeHypervisor({ memory: HOST_MEMORY });
    const vm = hv.restoreVm(f.snapshot, { name: 'from-bare' });
    runNativeToEnd(hv, vm);
    console.log(`bare@${g.m.harts[0]!.retired} → native: .vmsnap ${f.bytes} bytes; bare ${refRetired} insns, bare+native ${vm.vcpu.hart.retired}`);
    expect(results(Buffer.from(g.out).toString('latin1') + vm.console)).toEqual(results(refConsole));
    // Bare and native deliver timer interrupts a few instructions apart, so INFO timings and the
    // final count differ slightly between the two (as between two uninterrupted runs of each).
    expect(Math.abs(vm.vcpu.hart.retired - refRetired)).toBeLessThan(refRetired / 100);
    expect(vm.exitStatus).toBe(0);
  }, 300_000);

  it('refuses snapshots that do not fit, naming what', () => {
    const { hv, vm } = nativeGuest();
    runNativeUntil(hv, vm, 1_000_000);
    const s = hv.snapshotVm(vm);
    // The VM header travels in the .vmsnap header section.
    expect(throughFile(s).snapshot.vm).toEqual({ version: 1, name: 'a', sbiMode: 'firmware', weight: 256, cap: 0 });
    const two: VmSnapshot = { ...s, config: { ...s.config, harts: 2 } };
    expect(() => new NativeHypervisor({ memory: HOST_MEMORY }).restoreVm(two, { name: 'x' })).toThrow(ConfigError);
    expect(() => new NativeHypervisor({ memory: HOST_MEMORY }).restoreVm(two, { name: 'x' })).toThrow(/2 harts/);
    const rng: VmSnapshot = { ...s, config: { ...s.config, virtio: [{ slot: 7, kind: 'rng', queueSize: 16 }] } };
    expect(() => new NativeHypervisor({ memory: HOST_MEMORY }).restoreVm(rng, { name: 'x' })).toThrow(/slot 7 holds a rng device/);
    const other = new NativeHypervisor({ memory: HOST_MEMORY, instructionsPerTick: 20 });
    expect(() => other.restoreVm(s, { name: 'x' })).toThrow(SnapshotRestoreError);
    expect(() => other.restoreVm(s, { name: 'y' })).toThrow(/instructionsPerTick/);
    expect(other.vms).toHaveLength(0);
    const bad = { ...s, vm: { version: 2 } } as unknown as VmSnapshot;
    expect(() => new NativeHypervisor({ memory: HOST_MEMORY }).restoreVm(bad, { name: 'x' })).toThrow(/unknown VM header/);
    const hx = new NativeHypervisor({ memory: 200 << 20, mode: 'hext' });
    const h = hx.createVm({ name: 'h', memory: 64 << 20, kernel: file('guests/images/kernel-s.elf'), append: 'workload=cpu' });
    hx.run(100_000);
    expect(() => hx.snapshotVm(h)).toThrow(/'hext' VMs/);
  }, 120_000);
});
