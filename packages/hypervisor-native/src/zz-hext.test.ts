import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { NativeHypervisor } from './hypervisor.js';
import { ubootSession } from './sbi-hypervisor.test.js';
const file = (p: string) => ({ file: p, bytes: readFileSync(p) });
it('hext uboot', () => {
  const hv = new NativeHypervisor({ memory: 272 << 20, mode: 'hext' });
  const vm = hv.createVm({ name: 'uboot', memory: 256 << 20, kernel: file('/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin'), sbi: 'hypervisor' });
  const t0 = performance.now();
  try { ubootSession(hv, vm); } finally {
  console.log(vm.console.slice(-1500));
  console.log(vm.describe(), vm.stats.guestInstructions, JSON.stringify(vm.stats.events()), `${(performance.now() - t0) | 0} ms`);
  console.log(vm.stats.lastExits().slice(-4)); }
}, 300000);
