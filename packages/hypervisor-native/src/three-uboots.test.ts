import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NativeHypervisor } from './hypervisor.js';
import type { Vm } from '@vm/vcpu';

/**
 * issue 5 "Shows": three VMs, each running Debian's OpenSBI + U-Boot S-mode (full virtualisation:
 * the firmware runs in virtual M-mode), reach their prompts concurrently, each on its own console,
 * and each answers `version`.
 */
const FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const file = (p: string) => ({ file: p, bytes: new Uint8Array(readFileSync(p)) });

describe.skipIf(!existsSync(FW_JUMP) || !existsSync(UBOOT))('three U-Boot VMs on one hypervisor', () => {
  it('reach their prompts concurrently and each answers version on its own console', () => {
    const hv = new NativeHypervisor({ memory: 3 * (130 << 20) + (16 << 20), quantum: 50_000 });
    const vms = ['a', 'b', 'c'].map((name) => hv.createVm({ name, memory: 128 << 20, bios: file(FW_JUMP), kernel: file(UBOOT), sbi: 'firmware' }));
    /** Run the hypervisor (all VMs at once) until every VM's console shows `text` after `from[i]`. */
    const until = (text: string, from: number[]): void => {
      for (let i = 0; i < 400 && !vms.every((vm, k) => vm.console.indexOf(text, from[k]) >= 0); i++) {
        if (vms.some((vm) => vm.state === 'stopped')) break;
        hv.run(1_000_000);
      }
      vms.forEach((vm, k) => expect(vm.console.indexOf(text, from[k]), `${vm.name}: ${vm.console.slice(-300)}`).toBeGreaterThanOrEqual(0));
    };
    const zero = [0, 0, 0];
    until('Hit any key to stop autoboot', zero);
    // Every VM made progress in the same hypervisor run: they booted concurrently, not in turn.
    for (const vm of vms) expect(vm.console).toContain('OpenSBI v1.1');
    vms.forEach((vm) => vm.sendInput(' '));
    until('=> ', zero);
    const marks = vms.map((vm) => vm.console.length);
    vms.forEach((vm: Vm) => vm.sendInput(`version\r`));
    until('U-Boot 2023.01', marks);
    until('=> ', marks.map((m) => m + 20));
    // Each console holds only its own VM's session.
    for (const vm of vms) expect(vm.console.split('U-Boot 2023.01').length).toBeGreaterThanOrEqual(3);
    vms.forEach((vm) => vm.sendInput('poweroff\r'));
    for (let i = 0; i < 100 && vms.some((vm) => vm.state !== 'stopped'); i++) hv.run(1_000_000);
    for (const vm of vms) expect([vm.name, vm.state, vm.exitStatus]).toEqual([vm.name, 'stopped', 0]);
  }, 300_000);
});
