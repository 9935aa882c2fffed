import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const fixtures = join(root, 'packages/machine/fixtures');
const kernelM = join(root, 'guests/images/kernel-m.elf');

function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input: '', timeout: 240_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vm run --hypervisor hosted', () => {
  for (const mode of ['accel', 'soft']) {
    it(`${mode}: exit status and HTIF tohost as on the bare board`, () => {
      const run = (elf: string, ...extra: string[]) => vm('run', '--hypervisor', 'hosted', '--mode', mode, ...extra, '-bios', 'none', '-kernel', join(fixtures, elf));
      const ok = run('uart-hello.elf', '--stats');
      expect(ok.stdout).toBe('hello from M-mode\n');
      expect(ok.status).toBe(0);
      expect(ok.stderr).toMatch(/\d+ world switches, \d+ host syscalls/);
      expect(run('uart-fail7.elf').status).toBe(7);
      expect(run('htif-pass.elf').status).toBe(0);
      expect(run('htif-fail3.elf').status).toBe(3);
    });
  }

  it('runs kernel-m with its disk a file of the host file system', () => {
    const disk = join(mkdtempSync(join(tmpdir(), 'vm-hosted-')), 'disk.img');
    writeFileSync(disk, new Uint8Array(8 << 20));
    const r = vm('run', '--hypervisor', 'hosted', '--stats', '-m', '64M', '-bios', 'none', '-kernel', kernelM, '-append', 'workload=disk', '-drive', `file=${disk},if=virtio`);
    expect(r.stdout).toMatch(/RESULT disk .* ok/);
    expect(r.stdout).toContain('DONE pass');
    expect(r.stderr).toMatch(/host syscalls \(disk [1-9]\d*, console \d+\)/);
    expect(r.status).toBe(0);
    // The guest's writes reach the image on the real host at the end; -snapshot leaves it alone.
    expect(readFileSync(disk).some((b) => b !== 0)).toBe(true);
    const clean = join(mkdtempSync(join(tmpdir(), 'vm-hosted-')), 'clean.img');
    writeFileSync(clean, new Uint8Array(8 << 20));
    const snap = vm('run', '--hypervisor', 'hosted', '-snapshot', '-m', '64M', '-bios', 'none', '-kernel', kernelM, '-append', 'workload=disk', '-drive', `file=${clean},if=virtio`);
    expect(snap.stdout).toContain('DONE pass');
    expect(readFileSync(clean).every((b) => b === 0)).toBe(true);
  }, 240_000);

  it('refuses what the VMM cannot give, naming the flag', () => {
    const hello = join(fixtures, 'uart-hello.elf');
    expect(vm('run', '--hypervisor', 'hosted', '--mode', 'trap', '-bios', 'none', '-kernel', hello).stderr).toContain("--mode trap: 'accel' or 'soft'");
    expect(vm('run', '--hypervisor', 'hosted', '-smp', '2', '-bios', 'none', '-kernel', hello).stderr).toContain('-smp 2');
    expect(vm('run', '--hypervisor', 'hosted', '-bios', 'none', '-kernel', hello, '-drive', `file=${hello},if=pio`).stderr).toContain('if=pio is not supported under --hypervisor hosted');
  });

  it('ends a tohost (HTIF) test program given as -bios with its status, accel and soft', () => {
    for (const mode of ['accel', 'soft']) {
      expect(vm('run', '--hypervisor', 'hosted', '--mode', mode, '-bios', join(fixtures, 'htif-pass.elf')).status).toBe(0);
      expect(vm('run', '--hypervisor', 'hosted', '--mode', mode, '-bios', join(fixtures, 'htif-fail3.elf')).status).toBe(3);
    }
  }, 120_000);
});
