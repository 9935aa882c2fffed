import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NativeHypervisor } from './hypervisor.js';

const root = new URL('../../../', import.meta.url).pathname;
const file = (p: string) => ({ file: p, bytes: readFileSync(p.startsWith('/') ? p : root + p) });
const FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const results = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('RESULT') || l.startsWith('DONE'));

describe('stage 2: OpenSBI in virtual M-mode', () => {
  it('boots OpenSBI fw_jump + kernel-s.elf: SBI via guest ecalls, RESULT lines, SRST poweroff', () => {
    const t0 = performance.now();
    const hv = new NativeHypervisor({ memory: 140 << 20 });
    const vm = hv.createVm({ name: 'sbi', memory: 128 << 20, bios: file(FW_JUMP), kernel: file('guests/images/kernel-s.elf'), append: 'workload=cpu,fork,console' });
    let ecalls = 0;
    hv.onExit((_vm, exit) => {
      if (exit.reason === 'ecall') ecalls++;
      return 'continue';
    });
    for (let i = 0; i < 40 && vm.state !== 'stopped'; i++) if (hv.run(20_000_000).reason === 'idle') break;
    const ms = performance.now() - t0;
    console.log(vm.console.slice(0, 400), '\n...\n', vm.console.slice(-300));
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()), `${ms | 0} ms, ecalls seen by hook ${ecalls}`);
    expect(vm.console).toContain('OpenSBI');
    expect(results(vm.console)).toContain('DONE pass');
    expect(results(vm.console).filter((l) => l.startsWith('RESULT')).length).toBe(3);
    expect(vm.exitStatus).toBe(0);
    expect(ecalls).toBe(vm.stats.exits('ecall'));
  }, 300_000);

  it('boots OpenSBI + U-Boot (S-mode) to its prompt, runs `version`, powers off', () => {
    const t0 = performance.now();
    const hv = new NativeHypervisor({ memory: 272 << 20 });
    const vm = hv.createVm({ name: 'uboot', memory: 256 << 20, bios: file(FW_JUMP), kernel: file(UBOOT) });
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
    const ms = performance.now() - t0;
    console.log(vm.console.slice(-500));
    console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()), `${ms | 0} ms`);
    expect(vm.state).toBe('stopped');
    expect(vm.exitStatus).toBe(0);
  }, 300_000);
});
