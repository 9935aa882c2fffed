import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileBlockBackend } from '@vm/devices';
import type { Vm } from '@vm/vcpu';
import { NativeHypervisor } from './hypervisor.js';
import { file } from './test-support/guest-runs.js';

const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const haveMtools = existsSync('/usr/bin/mcopy') && existsSync('/usr/sbin/mkfs.vfat');

/** Run the hypervisor until the VM printed `text` after `from`; false when it stopped first. */
function runUntil(hv: NativeHypervisor, vm: Vm, text: string, from: number): boolean {
  for (let i = 0; i < 400; i++) {
    if (vm.console.indexOf(text, from) >= 0) return true;
    if (vm.state === 'stopped') return false;
    hv.run(2_000_000);
  }
  return vm.console.indexOf(text, from) >= 0;
}

/** Type `text` into the VM's UART as fast as its 16-byte FIFO takes it. */
function type(hv: NativeHypervisor, vm: Vm, text: string): void {
  for (let rest = text, i = 0; rest.length > 0 && i < 1000; i++) {
    rest = rest.slice(vm.sendInput(rest));
    if (rest.length > 0) hv.run(50_000);
  }
}

/** Type a command at U-Boot's prompt; what it printed up to the next prompt. */
function command(hv: NativeHypervisor, vm: Vm, line: string): string {
  const mark = vm.console.length;
  type(hv, vm, `${line}\r`);
  expect(runUntil(hv, vm, '=> ', mark + line.length)).toBe(true);
  return vm.console.slice(mark);
}

describe('Debian U-Boot S-mode as QEMU with KVM runs it: -bios none -kernel u-boot.bin on the hypervisor\'s SBI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vm-hv-fat-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const mode of ['trap', 'hext'] as const) {
    it.skipIf(!haveMtools || !existsSync(UBOOT))(`${mode}: the raw image is an S-mode payload; prompt, FAT read and write on virtio-blk, poweroff 0`, () => {
      const img = join(dir, `${mode}.img`);
      execFileSync('dd', ['if=/dev/zero', `of=${img}`, 'bs=1M', 'count=16', 'status=none']);
      execFileSync('mkfs.vfat', ['-n', 'VMTEST', img], { stdio: 'ignore' });
      const hello = join(dir, 'hello.txt');
      writeFileSync(hello, 'Hello from the host, via virtio-blk!\n');
      execFileSync('mcopy', ['-i', img, hello, '::hello.txt']);
      const backend = new FileBlockBackend(img, { readOnly: false });
      const hv = new NativeHypervisor({ memory: 272 << 20, mode });
      // No `sbi:` given: a raw image without a bios is an S-mode payload (VmConfig.sbi's default).
      const vm = hv.createVm({ name: 'uboot', memory: 256 << 20, kernel: file(UBOOT), disks: [{ backend, bus: 'virtio' }] });
      expect(vm.sbiMode).toBe('hypervisor');
      expect(runUntil(hv, vm, 'Hit any key to stop autoboot', 0)).toBe(true);
      vm.sendInput(' ');
      expect(runUntil(hv, vm, '=> ', 0)).toBe(true);
      command(hv, vm, 'virtio scan');
      expect(command(hv, vm, 'fatls virtio 0')).toMatch(/37\s+hello\.txt/);
      expect(command(hv, vm, 'fatload virtio 0 0x84000000 hello.txt')).toContain('37 bytes read');
      expect(command(hv, vm, 'fatwrite virtio 0 0x84000000 copy.txt 0x25')).toContain('37 bytes written');
      type(hv, vm, 'poweroff\r');
      runUntil(hv, vm, '\u0000never', vm.console.length);
      expect(vm.describe()).toContain('powered off with status 0');
      expect(vm.exitStatus).toBe(0);
      // It ran in (virtual) S-mode from the first instruction: no firmware exists in this VM.
      expect(vm.report?.vpriv).toBe(1);
      backend.flush();
      backend.close();
      expect(execFileSync('mtype', ['-i', img, '::copy.txt']).toString()).toBe(readFileSync(hello, 'utf8'));
    });
  }
});

describe('HTIF in VMs: a program ending through tohost ends the VM with the bare board\'s status', () => {
  for (const [name, status] of [['htif-pass.elf', 0], ['htif-fail3.elf', 3]] as const) {
    it(`${name} as VM firmware (trap-and-emulate) ends with status ${status}`, () => {
      const hv = new NativeHypervisor({ memory: 16 << 20 });
      const vm = hv.createVm({ name: 'htif', memory: 4 << 20, bios: file(`packages/machine/fixtures/${name}`) });
      for (let i = 0; i < 20 && vm.state !== 'stopped'; i++) hv.run(1_000_000);
      expect(vm.state).toBe('stopped');
      expect(vm.report?.reason).toBe('poweroff');
      expect(vm.exitStatus).toBe(status);
    });
  }
});
