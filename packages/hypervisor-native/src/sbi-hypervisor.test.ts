import { describe, expect, it } from 'vitest';
import { NativeHypervisor } from './hypervisor.js';
import { bareResults, file, results, runToEnd, ubootSession, UBOOT } from './test-support/guest-runs.js';

const APPEND = 'workload=cpu,fork,console';

describe('the hypervisor as SBI firmware (-bios none -kernel S-payload, trap mode)', () => {
  it('kernel-s.elf: same RESULT lines as bare metal, SBI calls answered by the hypervisor, SRST poweroff status 0', () => {
    const expected = bareResults(APPEND);
    const hv = new NativeHypervisor({ memory: 80 << 20 });
    const vm = hv.createVm({ name: 'ks', memory: 64 << 20, kernel: file('guests/images/kernel-s.elf'), append: APPEND });
    expect(vm.sbiMode).toBe('hypervisor');
    const t0 = performance.now();
    runToEnd(hv, vm);
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()), `${(performance.now() - t0) | 0} ms`);
    expect(results(vm.console)).toEqual(expected);
    expect(vm.exitStatus).toBe(0);
    expect(vm.report?.reason).toBe('poweroff');
    expect(vm.stats.get('sbi.srst')).toBe(1);
    expect(vm.stats.get('sbi.time')).toBeGreaterThan(0);
    // What remains of exit.ecall are the user processes' system calls, injected into the guest kernel.
    expect(vm.stats.exits('sbi')).toBe([...vm.sbi!.counters().values()].reduce((a, b) => a + b, 0));
  }, 300_000);

  it('kernel-pv.elf: PV-MMU hypercalls (probed) replace SFENCE.VMA and blind shadow flushes; same RESULT lines', () => {
    const expected = bareResults(APPEND);
    const hv = new NativeHypervisor({ memory: 80 << 20 });
    const vm = hv.createVm({ name: 'kpv', memory: 64 << 20, kernel: file('guests/images/kernel-pv.elf'), append: APPEND });
    runToEnd(hv, vm);
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()));
    expect(results(vm.console)).toEqual(expected);
    expect(vm.exitStatus).toBe(0);
    expect(vm.stats.get('sbi.vmpv')).toBeGreaterThan(0);
    expect(vm.stats.get('sbi.dbcn')).toBeGreaterThan(0);
    expect(vm.stats.get('shadow.flush')).toBe(0);
    expect(vm.sbi!.pvMmu!.tables.updates).toBeGreaterThan(0);
  }, 300_000);

  it('kernel-pv.elf without the extension (pvMmu: false) falls back to direct PTE writes + SFENCE.VMA', () => {
    const hv = new NativeHypervisor({ memory: 80 << 20 });
    const vm = hv.createVm({ name: 'kpv', memory: 64 << 20, kernel: file('guests/images/kernel-pv.elf'), append: 'workload=fork fork.n=10', pvMmu: false });
    runToEnd(hv, vm);
    expect(results(vm.console)).toContain('DONE pass');
    expect(vm.stats.get('sbi.vmpv')).toBe(0);
    // Its PTE stores hit write-protected guest tables; its SFENCE.VMAs then leave the shadows alone.
    expect(vm.stats.get('shadow.wp-fault')).toBeGreaterThan(0);
    expect(vm.stats.exits('privileged')).toBeGreaterThan(0);
  }, 300_000);

  it('U-Boot S-mode: prompt, `version`, `poweroff` with status 0', () => {
    const hv = new NativeHypervisor({ memory: 272 << 20 });
    const vm = hv.createVm({ name: 'uboot', memory: 256 << 20, kernel: file(UBOOT), sbi: 'hypervisor' });
    const t0 = performance.now();
    ubootSession(hv, vm);
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()), `${(performance.now() - t0) | 0} ms`);
    expect(vm.state).toBe('stopped');
    expect(vm.exitStatus).toBe(0);
    // U-Boot 2023.01 powers off through the DT's syscon-poweroff (sifive_test), under KVM too.
    expect(vm.stats.exits('mmio')).toBeGreaterThan(0);
  }, 300_000);
});
