import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vm/core';
import { CSR_STIMECMP } from '@vm/isa';
import { SnapshotRestoreError } from '@vm/machine';
import { NativeHypervisor } from './hypervisor.js';
import { file, results } from './test-support/guest-runs.js';
import { bareGuest, HOST_MEMORY, nativeGuest, runNativeToEnd, runNativeUntil, sbiGuest, throughFile } from './test-support/snapshot-runs.js';
import type { Vm } from '@vm/vcpu';
import type { VmSnapshot } from '@vm/vcpu';

const reference = (() => {
  let ref: { console: string; retired: number } | undefined;
  return () => {
    if (ref === undefined) {
      const { hv, vm } = nativeGuest();
      runNativeToEnd(hv, vm);
      expect(vm.exitStatus).toBe(0);
      ref = { console: vm.console, retired: vm.vhart.hart.retired };
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
      console.log(`native@${vm.vhart.hart.retired}: mmio exits so far ${mmio}, .vmsnap ${f.bytes} bytes, capture ${captureMs.toFixed(1)} ms, encode ${f.encodeMs.toFixed(1)} ms, decode ${f.decodeMs.toFixed(1)} ms, restore ${restoreMs.toFixed(1)} ms`);
      expect(vm.console + vm2.console).toBe(ref.console);
      expect(vm2.vhart.hart.retired).toBe(ref.retired);
      expect(vm2.exitStatus).toBe(0);
      if (at === 20_000_000) {
        // Taking the snapshot does not disturb the original.
        runNativeToEnd(hv, vm);
        expect(vm.console).toBe(ref.console);
        expect(vm.vhart.hart.retired).toBe(ref.retired);
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
    console.log(`bare@${g.m.harts[0]!.retired} → native: .vmsnap ${f.bytes} bytes; bare ${refRetired} insns, bare+native ${vm.vhart.hart.retired}`);
    expect(results(Buffer.from(g.out).toString('latin1') + vm.console)).toEqual(results(refConsole));
    // Bare and native deliver timer interrupts a few instructions apart, so INFO timings and the
    // final count differ slightly between the two (as between two uninterrupted runs of each).
    expect(Math.abs(vm.vhart.hart.retired - refRetired)).toBeLessThan(refRetired / 100);
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
    const hs = hx.snapshotVm(h);
    expect(hs.vm?.version).toBe(2);
    // An H-mode snapshot needs an H-capable hart to continue on.
    expect(() => new NativeHypervisor({ memory: HOST_MEMORY }).restoreVm(hs, { name: 'x' })).toThrow(/hExtension/);
    const noState = { ...hs, vm: { ...hs.vm!, hext: undefined } } as VmSnapshot;
    expect(() => new NativeHypervisor({ memory: HOST_MEMORY, mode: 'hext' }).restoreVm(noState, { name: 'x' })).toThrow(/bad H state/);
    const vu = { ...hs, vm: { ...hs.vm!, hext: { ...hs.vm!.hext!, priv: 3 } } } as VmSnapshot;
    expect(() => new NativeHypervisor({ memory: HOST_MEMORY, mode: 'hext' }).restoreVm(vu, { name: 'x' })).toThrow(/guest privilege 3/);
    const firmware = { ...hs, vm: { ...hs.vm!, sbiMode: 'firmware' } } as VmSnapshot;
    expect(() => new NativeHypervisor({ memory: HOST_MEMORY, mode: 'hext' }).restoreVm(firmware, { name: 'x' })).toThrow(/hypervisor's SBI/);
  }, 120_000);
});

const ALL_ONES = (1n << 64n) - 1n;
const EID_LEGACY_GETCHAR = 0x02;
const EID_HSM = 0x48534d;
const FID_HSM_GET_STATUS = 2;

/** What the guest's SBI-level timer is programmed to: stimecmp of the virtual hart, or vstimecmp under H. */
function sbiTimer(hv: NativeHypervisor, vm: Vm): bigint {
  const h = vm.hext;
  return h !== undefined ? h.capture(h.resident ? hv.host.hart : undefined).vstimecmp : vm.vhart.hart.readCsr(CSR_STIMECMP);
}

describe.each(['trap', 'hext'] as const)("VM snapshots with the hypervisor's SBI (mode '%s')", (mode) => {
  const reference = (() => {
    let ref: { console: string; retired: number } | undefined;
    return () => {
      if (ref === undefined) {
        const { hv, vm } = sbiGuest(mode);
        runNativeToEnd(hv, vm);
        expect(vm.exitStatus).toBe(0);
        ref = { console: vm.console, retired: vm.vhart.hart.retired };
      }
      return ref;
    };
  })();

  it('kernel-s (cpu, fork) snapshot at ~5M instructions, restored on a new hypervisor: same RESULT lines and DONE pass', () => {
    const ref = reference();
    expect(results(ref.console)).toContain('DONE pass');
    const { hv, vm } = sbiGuest(mode);
    runNativeUntil(hv, vm, 5_000_000);
    expect(vm.state).not.toBe('stopped');
    expect(vm.stats.get('sbi.time') ?? 0).toBeGreaterThan(0);
    const s = hv.snapshotVm(vm);
    expect(s.vm?.sbiMode).toBe('hypervisor');
    if (mode === 'hext') {
      expect(s.vm?.version).toBe(2);
      expect(s.vm?.mode).toBe('hext');
      // The guest's own S state went along: paging on, its trap vector set.
      expect(s.vm?.hext?.vsatp).not.toBe(0n);
      expect(s.vm?.hext?.vstvec).not.toBe(0n);
    } else {
      expect(s.vm).toEqual({ version: 1, name: 's', sbiMode: 'hypervisor', weight: 256, cap: 0 });
    }
    const f = throughFile(s);
    const hv2 = new NativeHypervisor({ memory: HOST_MEMORY, mode });
    const vm2 = hv2.restoreVm(f.snapshot, { name: 'b' });
    expect(vm2.mode).toBe(mode);
    expect(vm2.sbi).toBeDefined();
    // The pending SBI timer deadline is where the guest left it.
    expect(sbiTimer(hv2, vm2)).toBe(sbiTimer(hv, vm));
    if (mode === 'hext') expect(vm2.hext!.capture(undefined)).toEqual(f.snapshot.vm!.hext);
    runNativeToEnd(hv2, vm2);
    console.log(`${mode}+sbi@${vm.vhart.hart.retired}: .vmsnap ${f.bytes} bytes; reference ${ref.retired} insns, restored ${vm2.vhart.hart.retired}`);
    expect(vm2.exitStatus).toBe(0);
    expect(results(vm.console + vm2.console)).toEqual(results(ref.console));
    expect(results(vm2.console)).toContain('DONE pass');
    // Deterministic in both modes: the very same console and instruction count as uninterrupted.
    expect(vm.console + vm2.console).toBe(ref.console);
    expect(vm2.vhart.hart.retired).toBe(ref.retired);
    // Taking the snapshot does not disturb the original.
    runNativeToEnd(hv, vm);
    expect(vm.exitStatus).toBe(0);
    expect(results(vm.console)).toEqual(results(ref.console));
  }, 300_000);

  it('what the SBI serves the guest survives: timer, HSM state, console input waiting in the UART', () => {
    const { hv, vm } = sbiGuest(mode);
    runNativeUntil(hv, vm, 3_000_000);
    const timer = sbiTimer(hv, vm);
    expect(timer).not.toBe(ALL_ONES);
    // Input typed at the console, not read yet: the SBI's getchar reads it from the VM's UART.
    expect(vm.board.uart.receive([0x68, 0x69])).toBe(2);
    const f = throughFile(hv.snapshotVm(vm));
    const hv2 = new NativeHypervisor({ memory: HOST_MEMORY, mode });
    for (const [h, v] of [[hv, vm], [hv2, hv2.restoreVm(f.snapshot, { name: 'b' })]] as const) {
      const sbi = v.sbi!;
      expect(sbiTimer(h, v)).toBe(timer);
      expect(sbi.call({ eid: EID_HSM, fid: FID_HSM_GET_STATUS, args: [0n] }).ret).toEqual({ error: 0, value: 0n });
      const got = [0, 1, 2].map(() => sbi.call({ eid: EID_LEGACY_GETCHAR, fid: 0, args: [] }).ret.value);
      expect(got).toEqual([0x68n, 0x69n, -1n]);
    }
  }, 120_000);
});
