import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { bootVirt, VirtMachine } from '@vm/machine';
import type { NativeHypervisor } from '../hypervisor.js';
import type { Vm } from '@vm/vcpu';

export const root = new URL('../../../../', import.meta.url).pathname;
export const file = (p: string) => ({ file: p, bytes: readFileSync(p.startsWith('/') ? p : root + p) });
export const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
export const results = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('RESULT') || l.startsWith('DONE'));

/** RESULT/DONE lines of kernel-m on the bare board (the reference). */
export function bareResults(append: string): string[] {
  const out: number[] = [];
  const m = new VirtMachine({ memory: 64 << 20, console: (b) => out.push(b) });
  bootVirt(m, { kernel: file('guests/images/kernel-m.elf'), append });
  for (let i = 0; i < 400 && m.run(1_000_000).reason === 'budget'; i++);
  return results(Buffer.from(out).toString('latin1'));
}

export function runToEnd(hv: NativeHypervisor, vm: Vm, chunks = 60): void {
  for (let i = 0; i < chunks && vm.state !== 'stopped'; i++) if (hv.run(20_000_000).reason === 'idle') break;
}

/** U-Boot: autoboot interrupted, `version`, `poweroff`. */
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
