import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '@vm/isa';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const fixtures = join(root, 'packages/machine/fixtures');

function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input: '', timeout: 120_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vm run --hypervisor native', () => {
  it('runs an S-mode kernel directly on the hypervisor\'s SBI in H-extension mode', () => {
    const r = vm('run', '--hypervisor', 'native', '--mode', 'hext', '-m', '128M', '-bios', 'none', '-kernel', join(root, 'guests/images/kernel-s.elf'), '-append', 'workload=cpu');
    expect(r.stdout).toContain('RESULT cpu iters=200 crc=0x5cc442d2 ok');
    expect(r.stdout).toContain('DONE pass');
    expect(r.status).toBe(0);
  });

  it('writes the guest\'s disk writes back to the image file, and leaves it untouched with -snapshot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-native-disk-'));
    const img = join(dir, 'disk.img');
    writeFileSync(img, new Uint8Array(4 << 20));
    const snap = vm('run', '--hypervisor', 'native', '-snapshot', '-m', '128M', '-bios', 'none', '-kernel', join(root, 'guests/images/kernel-m.elf'), '-append', 'workload=disk', '-drive', `file=${img},format=raw,if=virtio`);
    expect(snap.stdout).toContain('DONE pass');
    expect(readFileSync(img).every((b) => b === 0)).toBe(true);
    const r = vm('run', '--hypervisor', 'native', '-m', '128M', '-bios', 'none', '-kernel', join(root, 'guests/images/kernel-m.elf'), '-append', 'workload=disk', '-drive', `file=${img},format=raw,if=virtio`);
    expect(r.stdout).toContain('DONE pass');
    expect(readFileSync(img).some((b) => b !== 0)).toBe(true);
  });

  it('runs a bare-metal ELF in virtual M-mode and exits with its poweroff status', () => {
    const ok = vm('run', '--hypervisor', 'native', '--mode', 'trap', '--stats', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'));
    expect(ok.stdout).toBe('hello from M-mode\n');
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/exits: .*mmio \d+/);
    expect(vm('run', '--hypervisor', 'native', '-bios', 'none', '-kernel', join(fixtures, 'uart-fail7.elf')).status).toBe(7);
  });

  it('refuses what a VM cannot have, naming the flag', () => {
    const mode = vm('run', '--hypervisor', 'native', '--mode', 'vmx', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'));
    expect(mode.status).toBe(2);
    expect(mode.stderr).toContain("--mode vmx: 'trap' or 'hext'");
    const smp = vm('run', '--hypervisor', 'native', '-smp', '2', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'));
    expect(smp.status).toBe(2);
    expect(smp.stderr).toContain("-smp 2: several vCPUs need the hypervisor's SBI");
    const nine = vm('run', '--hypervisor', 'native', '-smp', '9', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf'));
    expect(nine.status).toBe(2);
    expect(nine.stderr).toContain('-smp 9: a VM of --hypervisor native has 1 to 8 vCPUs');
    expect(vm('run', '--hypervisor', 'kvm').stderr).toContain("--hypervisor kvm: 'none', 'native' or 'hosted'");
    expect(vm('run', '--mode', 'trap', '-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf')).stderr).toContain('only with --hypervisor native');
  });

  it('prints the fault report (reason, pc, last exits) and exits 1 when the hypervisor stops the VM', () => {
    // An ecall whose handler is the ecall itself: exits forever without retiring an instruction.
    const storm = join(mkdtempSync(join(tmpdir(), 'vm-native-')), 'storm.bin');
    writeFileSync(storm, assemble('la t0, 1f\ncsrw mtvec, t0\n1:\necall\n', { base: 0x8000_0000n }).bytes);
    // A raw image under a hypervisor is an S-mode payload unless --kernel-mode m says it is an M-mode program.
    const r = vm('run', '--hypervisor', 'native', '--kernel-mode', 'm', '-m', '4M', '-bios', 'none', '-kernel', storm);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/VM 'guest' stopped: trap-storm at pc 0x0*8000000c/);
    expect(r.stderr).toMatch(/last 16 exits[^]*ecall/);
  });

  it('--kernel-mode: m runs a raw image as an M-mode program, s as a payload on the hypervisor\'s SBI; checked and refused on the bare board', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-kmode-'));
    const raw = join(dir, 'hello.bin');
    // Prints "M" through the UART when it starts in M-mode (mhartid readable), "S" when in S-mode (it traps, the handler prints S).
    writeFileSync(raw, assemble('la t0, 1f\ncsrw stvec, t0\ncsrr t1, mhartid\nli a0, 77\nj 2f\n.balign 4\n1:\nli a0, 83\n2:\nli t2, 0x10000000\nsb a0, 0(t2)\nli t2, 0x100000\nli t3, 0x5555\nsw t3, 0(t2)\n3: j 3b\n', { base: 0x8000_0000n }).bytes);
    const m = vm('run', '--hypervisor', 'native', '--kernel-mode', 'm', '-bios', 'none', '-kernel', raw);
    expect(m.stdout).toBe('M');
    expect(m.status).toBe(0);
    const s = vm('run', '--hypervisor', 'native', '-bios', 'none', '-kernel', raw);
    expect(s.stdout).toBe('S');
    expect(s.status).toBe(0);
    expect(vm('run', '--hypervisor', 'native', '--kernel-mode', 'x', '-bios', 'none', '-kernel', raw).stderr).toContain("--kernel-mode x: 's' (S-mode payload on the hypervisor's SBI) or 'm' (M-mode program)");
    expect(vm('run', '--kernel-mode', 's', '-bios', 'none', '-kernel', raw).stderr).toContain('--kernel-mode s: only with --hypervisor native or hosted');
  });

  it('ends a tohost (HTIF) test program given as -bios with its status, as the bare board does', () => {
    expect(vm('run', '--hypervisor', 'native', '-bios', join(fixtures, 'htif-pass.elf')).status).toBe(0);
    expect(vm('run', '--hypervisor', 'native', '-bios', join(fixtures, 'htif-fail3.elf')).status).toBe(3);
  });

  it('stops at --max-instructions with status 124', () => {
    const r = vm('run', '--hypervisor', 'native', '--max-instructions', '100000', '-bios', 'none', '-kernel', join(fixtures, 'htif-pass.elf'));
    expect(r.status).toBe(124);
  });
});
