import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootVirt, VirtMachine } from '@vm/machine';
import { NativeHypervisor } from './hypervisor.js';
import type { Vm } from './vm.js';

const root = new URL('../../../', import.meta.url).pathname;
const file = (p: string) => ({ file: p, bytes: readFileSync(p.startsWith('/') ? p : root + p) });
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const results = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('RESULT') || l.startsWith('DONE'));
const APPEND = 'workload=cpu,fork,console';

function bareResults(): string[] {
  const out: number[] = [];
  const m = new VirtMachine({ memory: 64 << 20, console: (b) => out.push(b) });
  bootVirt(m, { kernel: file('guests/images/kernel-m.elf'), append: APPEND });
  for (let i = 0; i < 400 && m.run(1_000_000).reason === 'budget'; i++);
  return results(Buffer.from(out).toString('latin1'));
}

export function runToEnd(hv: NativeHypervisor, vm: Vm, chunks = 60): void {
  for (let i = 0; i < chunks && vm.state !== 'stopped'; i++) if (hv.run(20_000_000).reason === 'idle') break;
}

export function ubootSession(hv: NativeHypervisor, vm: Vm): void {
  const runUntil = (text: string, from = 0): boolean => {
    for (let i = 0; i < 200; i++) {
      if (vm.console.indexOf(text, from) >= 0) return true;
      if (vm.state === 'stopped') return false;
      hv.run(2_000_000);
    }
    return vm.console.indexOf(text, from) >= 0;
  };
  expect(runUntil('Hit any key to stop autoboot')).toBe(true);
  vm.sendInput(' ');
  expect(runUntil('=> ')).toBe(true);
  let mark = vm.console.length;
  vm.sendInput('version\r');
  expect(runUntil('U-Boot 2023.01', mark)).toBe(true);
  expect(runUntil('=> ', mark)).toBe(true);
  mark = vm.console.length;
  vm.sendInput('poweroff\r');
  runUntil('\u0000never', mark);
}

describe('the hypervisor as SBI firmware (-bios none -kernel S-payload)', () => {
  it('kernel-s.elf: same RESULT lines as bare metal, SBI calls answered by the hypervisor, SRST poweroff status 0', () => {
    const expected = bareResults();
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

  it('U-Boot S-mode: prompt, `version`, `poweroff` through SRST with status 0', () => {
    const hv = new NativeHypervisor({ memory: 272 << 20 });
    const vm = hv.createVm({ name: 'uboot', memory: 256 << 20, kernel: file(UBOOT), sbi: 'hypervisor' });
    const t0 = performance.now();
    ubootSession(hv, vm);
    console.log(vm.console.slice(-300));
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()), `${(performance.now() - t0) | 0} ms`);
    expect(vm.state).toBe('stopped');
    expect(vm.exitStatus).toBe(0);
    // U-Boot 2023.01 powers off through the DT's syscon-poweroff (sifive_test), under KVM too.
    expect(vm.stats.exits('mmio')).toBeGreaterThan(0);
  }, 300_000);
});
