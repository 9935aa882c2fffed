import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const kernelM = join(root, 'guests/images/kernel-m.elf');

function up(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs('up', ...args), { encoding: 'utf8', input: '', timeout: 240_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function stackFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vm-up-')), 'stack.yaml');
  writeFileSync(file, text);
  return file;
}

describe('vm up', () => {
  it('runs examples/two-vms.yaml: both consoles prefixed, a summary per VM, status 0', () => {
    const r = up('examples/two-vms.yaml');
    expect(r.stdout).toContain('[cpu] DONE pass');
    expect(r.stdout).toContain('[fork] DONE pass');
    expect(r.stdout.split('\n').filter((l) => l !== '').every((l) => /^\[(cpu|fork)\] /.test(l))).toBe(true);
    expect(r.stderr).toMatch(/\[cpu\] exit 0, \d+ instructions, \d+ exits/);
    expect(r.stderr).toMatch(/\[fork\] exit 0, \d+ instructions, \d+ exits/);
    expect(r.status).toBe(0);
  }, 240_000);

  it('boots Linux from its Image with an initrd on the hypervisor\'s SBI (hext); refuses a bad kernel-mode naming the key', () => {
    const linux = join(root, 'guests/linux/images');
    const uboot = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
    const file = stackFile(`hypervisor: { type: native, mode: hext }\nvms:\n  - { name: linux, memory: 256M, kernel: ${linux}/Image, initrd: ${linux}/initramfs.cpio.gz, append: console=ttyS0 }\n`);
    const r = up(file);
    expect(r.stdout).toContain('[linux] Linux vm 6.1.192');
    expect(r.stdout).toContain('[linux] no disk');
    expect(r.stderr).toMatch(/\[linux\] exit 0/);
    const bad = up(stackFile(`vms:\n  - { name: u, memory: 64M, kernel: ${uboot}, kernel-mode: x }\n`));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("kernel-mode: 'x': s (S-mode payload on the hypervisor's SBI) or m (M-mode program)");
  }, 240_000);

  it('vcpus: 2 boots the SMP Linux on two vCPUs (hext): both CPUs online, atomics exact; vcpus: 9 refused naming the key', () => {
    const linux = join(root, 'guests/linux/images');
    const file = stackFile(`hypervisor: { type: native, mode: hext }\nvms:\n  - { name: smp, memory: 256M, vcpus: 2, kernel: ${linux}/Image-smp, initrd: ${linux}/initramfs.cpio.gz, append: console=ttyS0 }\n`);
    const r = up(file);
    expect(r.stdout).toContain('[smp] $ cat /sys/devices/system/cpu/online\n[smp] 0-1\n');
    expect(r.stdout).toContain('[smp] atomics: 2 threads x 20000 increments');
    expect(r.stdout).toContain('[smp] atomics: exact');
    expect(r.stderr).toMatch(/\[smp\] exit 0/);
    expect(r.status).toBe(0);
    const bad = up(stackFile(`vms:\n  - { name: a, memory: 64M, vcpus: 9, kernel: ${linux}/Image-smp }\n`));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('vms[0].vcpus');
  }, 240_000);

  it('attaches the terminal to one VM; the others go prefixed to stderr; a failing VM makes status 1', () => {
    const fixtures = join(root, 'packages/machine/fixtures');
    const file = stackFile(`vms:\n  - { name: ok, memory: 4M, kernel: ${fixtures}/uart-hello.elf }\n  - { name: bad, memory: 4M, kernel: ${fixtures}/uart-fail7.elf }\n`);
    const r = up(file, '--attach', 'ok');
    expect(r.stdout).toBe('hello from M-mode\n');
    expect(r.stderr).toContain('[bad] hello from M-mode');
    expect(r.stderr).toContain('[bad] exit 7');
    expect(r.status).toBe(1);
  });

  it('names the key path, file and line of a bad stack file, with status 2', () => {
    const unknown = stackFile(`vms:\n  - name: a\n    memory: 64M\n    kernel: ${kernelM}\n  - name: b\n    memroy: 64M\n`);
    const r = up(unknown);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${unknown}:6: vms[1].memroy: unknown key`);
    const cases: [string, string][] = [
      [`vms:\n  - { name: a, memory: lots, kernel: ${kernelM} }\n`, 'vms[0].memory: expected a memory size'],
      [`vms:\n  - { name: a, memory: 64M, kernel: nowhere.elf }\n`, "vms[0].kernel: 'nowhere.elf': no such file"],
      [`vms:\n  - { name: a, memory: 64M, kernel: ${kernelM} }\n  - { name: a, memory: 64M, kernel: ${kernelM} }\n`, "vms[1].name: 'a' is already the name of vms[0]"],
      [`vms:\n  - { name: a, memory: 64M, kernel: ${kernelM}, weight: heavy }\n`, 'vms[0].weight: expected an integer'],
      [`hypervisor: { mode: vmx }\nvms: []\n`, "hypervisor.mode: 'vmx': 'trap' or 'hext'"],
      [`vms: { a: 1 }\n`, 'vms: expected a list'],
    ];
    for (const [text, message] of cases) {
      const bad = up(stackFile(text));
      expect(bad.status, message).toBe(2);
      expect(bad.stderr).toContain(message);
    }
    expect(up('/nonexistent/stack.yaml').stderr).toContain("stack file '/nonexistent/stack.yaml': no such file");
    expect(up(join(root, 'examples/two-vms.yaml'), '--attach', 'zz').stderr).toContain('--attach zz: no VM of that name');
  });
});
