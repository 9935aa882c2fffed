import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const hello = join(root, 'packages/machine/fixtures/uart-hello.elf');
const kernel = join(root, 'guests/images/kernel-m.elf');
const dir = mkdtempSync(join(tmpdir(), 'vm-hosted-debug-'));

function vm(input: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input, timeout: 240_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The hosted stack has no gdbstub, monitor or tracing yet: every flag that asks for one is refused
 * before the run (exit 2, one line naming the flag), never accepted and ignored.
 */
describe('debugging flags under --hypervisor hosted', () => {
  it('-s, -S, -gdb, -d, -D, -monitor stdio|tcp are refused with exit 2 and one line naming the flag', () => {
    const cases: [string[], string][] = [
      [['-s'], '-s: not implemented under --hypervisor hosted'],
      [['-S'], '-S: not implemented under --hypervisor hosted'],
      [['-gdb', 'tcp::1240'], '-gdb: not implemented under --hypervisor hosted'],
      [['-d', 'in_asm'], '-d: not implemented under --hypervisor hosted'],
      [['-d', 'int', '-D', join(dir, 't.log')], '-d: not implemented under --hypervisor hosted'],
      [['-monitor', 'stdio'], '-monitor: not implemented under --hypervisor hosted'],
      [['-monitor', 'tcp:127.0.0.1:4444,server,nowait'], '-monitor: not implemented under --hypervisor hosted'],
    ];
    for (const [flags, message] of cases) {
      const r = vm('', 'run', '--hypervisor', 'hosted', ...flags, '-bios', 'none', '-kernel', hello);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`vm: ${message} (vm run and vm run --hypervisor native have ${flags[0] === '-monitor' ? 'the monitor' : flags[0] === '-s' || flags[0] === '-S' ? 'the gdbstub' : 'it'})\n`);
    }
  });

  it('-nographic: the mux on a pipe (Ctrl-A H lists the keys without the monitor, Ctrl-A C says there is none, Ctrl-A X quits)', () => {
    // kernel-m runs its workloads for seconds: the typed escapes are read long before it ends.
    const r = vm('\x01h\x01c\x01x', 'run', '--hypervisor', 'hosted', '-nographic', '-bios', 'none', '-kernel', kernel);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('C-a h    print this help\nC-a x    exit emulator\nC-a C-a  sends C-a\n');
    expect(r.stdout).not.toContain('switch between console and monitor');
    expect(r.stdout).not.toContain('DONE pass');
    expect(r.stdout).toContain('vm: no monitor: not implemented under --hypervisor hosted (vm run and vm run --hypervisor native have it)\n');
  });

  it('vm up on a hosted stack refuses gdb: PORT and --monitor (exit 2)', () => {
    const stack = join(dir, 'hosted.yaml');
    writeFileSync(stack, `hypervisor: { type: hosted, mode: accel }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernel}, gdb: 1241 }\n`);
    const g = vm('', 'up', stack);
    expect(g.status).toBe(2);
    expect(g.stderr).toBe(`vm: ${stack}: vms[0].gdb: not implemented for a hosted stack (native stacks have per-VM gdbstubs)\n`);
    const plain = join(dir, 'hosted-plain.yaml');
    writeFileSync(plain, `hypervisor: { type: hosted, mode: accel }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernel} }\n`);
    const m = vm('', 'up', plain, '-monitor', 'stdio');
    expect(m.status).toBe(2);
    expect(m.stderr).toContain('not implemented for a hosted stack (native stacks have it)');
  });
});
