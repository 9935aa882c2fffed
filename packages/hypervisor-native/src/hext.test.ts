import { describe, expect, it } from 'vitest';
import { NativeHypervisor } from './hypervisor.js';
import { nativeHextStack, nativePvStack } from './native-stacks.js';
import { bareResults, file, results, runToEnd, ubootSession, UBOOT } from './test-support/guest-runs.js';

const APPEND = 'workload=cpu,fork,console';
/** The only exits a guest under H may cause. */
const HEXT_EXITS = new Set(['exit.sbi', 'exit.mmio', 'exit.wfi', 'exit.virtual-instruction', 'exit.timer']);

describe("hardware-assisted mode (mode: 'hext')", () => {
  it('kernel-s.elf in VS/VU under a G-stage: same RESULT lines; exits only for SBI, MMIO, WFI and the slice timer', () => {
    const expected = bareResults(APPEND);
    const hv = new NativeHypervisor({ memory: 80 << 20, mode: 'hext' });
    const vm = hv.createVm({ name: 'ks', memory: 64 << 20, kernel: file('guests/images/kernel-s.elf'), append: APPEND });
    const t0 = performance.now();
    runToEnd(hv, vm);
    const ev = vm.stats.events();
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(ev), `${(performance.now() - t0) | 0} ms`);
    expect(results(vm.console)).toEqual(expected);
    expect(vm.exitStatus).toBe(0);
    expect(vm.stats.get('sbi.srst')).toBe(1);
    for (const k of Object.keys(ev)) if (k.startsWith('exit.')) expect(HEXT_EXITS.has(k), k).toBe(true);
    // Page faults, user ecalls, CSR accesses, SRET, SFENCE.VMA and timer interrupts stayed in the guest.
    expect(ev['exit.ecall'] ?? 0).toBe(0);
    expect(ev['exit.csr'] ?? 0).toBe(0);
  }, 300_000);

  it('U-Boot S-mode under H: prompt, `version`, `poweroff` with status 0', () => {
    const hv = new NativeHypervisor({ memory: 272 << 20, mode: 'hext' });
    const vm = hv.createVm({ name: 'uboot', memory: 256 << 20, kernel: file(UBOOT), sbi: 'hypervisor' });
    ubootSession(hv, vm);
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()));
    expect(vm.exitStatus).toBe(0);
  }, 300_000);

  it('runs a trap-mode VM and an H-mode VM side by side on one H-capable hart', () => {
    const expected = bareResults('workload=cpu,fork');
    const hv = new NativeHypervisor({ memory: 160 << 20, hExtension: true, quantum: 50_000 });
    const a = hv.createVm({ name: 'trap', memory: 64 << 20, kernel: file('guests/images/kernel-s.elf'), append: 'workload=cpu,fork' });
    const b = hv.createVm({ name: 'hext', memory: 64 << 20, kernel: file('guests/images/kernel-s.elf'), append: 'workload=cpu,fork', mode: 'hext' });
    for (let i = 0; i < 100 && (a.state !== 'stopped' || b.state !== 'stopped'); i++) hv.run(10_000_000);
    for (const vm of hv.vms) console.log(vm.describe(), JSON.stringify(vm.stats.events()));
    expect(results(a.console)).toEqual(expected);
    expect(results(b.console)).toEqual(expected);
    expect(hv.worldSwitches).toBeGreaterThan(4);
  }, 300_000);

  it('nativeHextStack and nativePvStack run a GuestSpec with a kernel only (hypervisor SBI)', () => {
    const h = nativeHextStack.run({ kernel: file('guests/images/kernel-s.elf'), memory: 64 << 20, append: 'workload=cpu' });
    const p = nativePvStack.run({ kernel: file('guests/images/kernel-pv.elf'), memory: 64 << 20, append: 'workload=fork fork.n=10' });
    // kernel-pv under H: the PV-MMU extension is not offered (probe 0), it uses its native MMU path.
    const hp = nativeHextStack.run({ kernel: file('guests/images/kernel-pv.elf'), memory: 64 << 20, append: 'workload=fork fork.n=10' });
    console.log(nativeHextStack.name, JSON.stringify(h.events), nativePvStack.name, JSON.stringify(p.events), JSON.stringify(hp.events));
    expect(hp.exit).toEqual({ reason: 'poweroff', code: 0 });
    expect(hp.events['sbi.vmpv'] ?? 0).toBe(0);
    expect(h.exit).toEqual({ reason: 'poweroff', code: 0 });
    expect(p.exit).toEqual({ reason: 'poweroff', code: 0 });
    expect(h.console).toContain('DONE pass');
    expect(p.events['sbi.vmpv']).toBeGreaterThan(0);
  }, 300_000);
});
