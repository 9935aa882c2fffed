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
const kernelM = join(root, 'guests/images/kernel-m.elf');
const fixtures = join(root, 'packages/machine/fixtures');

function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input: '', timeout: 240_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function stackFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vm-par-')), 'stack.yaml');
  writeFileSync(file, text);
  return file;
}

/** Each VM's lines, in order: VMs on threads interleave differently, each VM's own transcript does not. */
function perVm(stdout: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of stdout.split('\n')) {
    const m = /^\[([^\]]+)\] (.*)$/.exec(line);
    if (m !== null && !/time_us|max_gap_us/.test(m[2]!)) (out[m[1]!] ??= []).push(m[2]!);
  }
  return out;
}

describe('vm up / vm run with -accel tcg,thread=multi (VMs on worker threads)', () => {
  it('two VMs on threads: the same transcripts, summaries and status as thread=single', () => {
    const file = stackFile(`vms:\n  - { name: cpu, memory: 64M, kernel: ${kernelM}, append: workload=cpu cpu.iters=30 }\n  - { name: fork, memory: 64M, kernel: ${kernelM}, append: workload=fork }\n`);
    const single = vm('up', '-accel', 'tcg,thread=single', file);
    const multi = vm('-accel', 'tcg,thread=multi', 'up', file);
    expect(single.status).toBe(0);
    expect(multi.status).toBe(0);
    expect(perVm(multi.stdout)).toEqual(perVm(single.stdout));
    expect(perVm(multi.stdout)['cpu']).toContain('DONE pass');
    expect(perVm(multi.stdout)['fork']).toContain('DONE pass');
    // The stack-file spelling runs the same way.
    const field = vm('up', stackFile(`hypervisor: { thread: multi }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernelM}, append: workload=cpu cpu.iters=5 }\n  - { name: b, memory: 64M, kernel: ${kernelM}, append: workload=cpu cpu.iters=5 }\n`));
    expect(field.status).toBe(0);
    expect(perVm(field.stdout)['a']).toEqual(perVm(field.stdout)['b']);
  }, 240_000);

  it('isolation: a VM that fails on its thread changes nothing for the other; status and reports as thread=single', () => {
    const file = stackFile(`vms:\n  - { name: ok, memory: 4M, kernel: ${fixtures}/uart-hello.elf }\n  - { name: bad, memory: 4M, kernel: ${fixtures}/uart-fail7.elf }\n`);
    const single = vm('up', file, '--attach', 'ok');
    const multi = vm('up', '-accel', 'tcg,thread=multi', file, '--attach', 'ok');
    expect(multi.stdout).toBe('hello from M-mode\n');
    expect(multi.stderr).toContain('[bad] exit 7');
    expect(multi.status).toBe(1);
    expect(multi.stdout).toBe(single.stdout);
    expect(multi.stderr.split('\n').sort()).toEqual(single.stderr.split('\n').sort());
    // A VM the hypervisor stops (a trap storm: ecall into itself) is reported; its neighbour powers off.
    const storm = join(mkdtempSync(join(tmpdir(), 'vm-par-')), 'storm.bin');
    writeFileSync(storm, assemble('la t0, 1f\ncsrw mtvec, t0\n1:\necall\n', { base: 0x8000_0000n }).bytes);
    const mixed = stackFile(`vms:\n  - { name: good, memory: 64M, kernel: ${kernelM}, append: workload=fork }\n  - { name: storm, memory: 4M, kernel: ${storm}, kernel-mode: m }\n`);
    const r = vm('up', '-accel', 'tcg,thread=multi', mixed);
    expect(r.stderr).toMatch(/VM 'storm' stopped: trap-storm/);
    expect(r.stdout).toContain('[good] DONE pass');
    expect(r.stderr).toMatch(/\[good\] exit 0/);
    expect(r.status).toBe(1);
  }, 240_000);

  it('vm run --hypervisor native on a thread: same console and exit status as the default', () => {
    const args = ['run', '--hypervisor', 'native', '-m', '64M', '-bios', 'none', '-kernel', kernelM, '-append', 'workload=cpu cpu.iters=5'];
    const single = vm(...args);
    const multi = vm('-accel', 'tcg,thread=multi', ...args);
    expect(multi.status).toBe(0);
    expect(multi.stdout).toBe(single.stdout);
    const fail = vm('-accel', 'tcg,thread=multi', 'run', '--hypervisor', 'native', '-m', '4M', '-bios', 'none', '-kernel', `${fixtures}/uart-fail7.elf`);
    expect(fail.stdout).toContain('hello from M-mode');
    expect(fail.status).toBe(7);
  }, 240_000);

  it('snapshots a VM on a thread at exactly N instructions (the worker pauses between slices): the same file as thread=single, and it restores', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-par-snap-'));
    const stack = (thread: string, file: string): string => stackFile(`hypervisor: { thread: ${thread} }\nvms:\n  - { name: cf, memory: 64M, kernel: ${kernelM}, append: workload=cpu cpu.iters=30, snapshot: { at: 1000000, file: ${join(dir, file)} } }\n  - { name: other, memory: 64M, kernel: ${kernelM}, append: workload=fork }\n`);
    const multi = vm('up', stack('multi', 'multi.vmsnap'));
    const single = vm('up', stack('single', 'single.vmsnap'));
    expect(multi.stderr).toMatch(/\[cf\] snapshot at 1000000 → .*multi\.vmsnap \(\d+ bytes\)/);
    expect(multi.status).toBe(0);
    expect(single.status).toBe(0);
    expect(readFileSync(join(dir, 'multi.vmsnap')).equals(readFileSync(join(dir, 'single.vmsnap')))).toBe(true);
    const restored = vm('up', stackFile(`hypervisor: { thread: multi }\nvms:\n  - { name: cf, restore: ${join(dir, 'multi.vmsnap')} }\n`));
    expect(restored.stdout).toContain('[cf] DONE pass');
    expect(restored.status).toBe(0);
    const refused = vm('-accel', 'tcg,thread=multi', 'snapshot', '-o', join(dir, 'x.vmsnap'), '--at', '1000', '--hypervisor', 'native', '-bios', 'none', '-kernel', kernelM);
    expect(refused.stderr).toContain("-accel tcg,thread=multi: vm snapshot runs the bare board's harts on threads, not --hypervisor native");
    expect(refused.status).toBe(2);
  }, 240_000);

  it('refuses what it cannot do, naming the flag, with status 2', () => {
    const cases: [string[], string][] = [
      [['-accel', 'tcg,thread=many', 'run', '-bios', 'none', '-kernel', kernelM], "-accel tcg,thread=many: 'thread=many': only thread=single (default) or thread=multi"],
      [['-accel', 'tcg,tb-size=64', 'run', '-bios', 'none', '-kernel', kernelM], "'tb-size=64': only thread=single"],
      [['-accel', 'tcg,thread=multi', 'run', '-s', '-bios', 'none', '-kernel', kernelM], "-s: not with -accel tcg,thread=multi (the gdbstub steps the board's harts on the main thread)"],
      [['-accel', 'tcg,thread=multi', 'run', '-d', 'int', '-bios', 'none', '-kernel', kernelM], "-d int: not with -accel tcg,thread=multi (it steps the board's harts on the main thread)"],
      [['-accel', 'tcg,thread=multi', 'run', '--hypervisor', 'hosted', '-bios', 'none', '-kernel', kernelM], '-accel tcg,thread=multi: the hosted hypervisor runs on one thread'],
      [['-accel', 'tcg,thread=multi', 'run', '--clock', 'wall', '-bios', 'none', '-kernel', kernelM], '--clock wall: not with -accel tcg,thread=multi (harts on threads share virtual time)'],
      [['-accel', 'tcg,thread=multi', 'restore', 'x.vmsnap'], '-accel tcg,thread=multi: only for vm run, vm snapshot (the bare board) and vm up, not vm restore'],
      [['-accel', 'tcg,thread=multi', 'run', '--hypervisor', 'native', '-s', '-bios', 'none', '-kernel', kernelM], '-s: not with -accel tcg,thread=multi'],
      [['-accel', 'tcg,thread=multi', 'run', '--hypervisor', 'native', '-monitor', 'stdio', '-bios', 'none', '-kernel', kernelM], '-monitor stdio: not with -accel tcg,thread=multi'],
      [['up', '-accel', 'tcg,thread=multi', stackFile(`hypervisor: { type: hosted }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernelM} }\n`)], '-accel tcg,thread=multi: a hosted stack runs on one thread'],
      [['up', stackFile(`hypervisor: { thread: lots }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernelM} }\n`)], "hypervisor.thread: 'lots': 'single' or 'multi'"],
      [['up', '-accel', 'tcg,thread=multi', stackFile(`vms:\n  - { name: a, memory: 64M, kernel: nowhere.elf }\n`)], "vms[0].kernel: 'nowhere.elf': no such file"],
    ];
    for (const [args, message] of cases) {
      const r = vm(...args);
      expect(r.stderr, message).toContain(message);
      expect(r.status, message).toBe(2);
    }
  }, 240_000);
});
