import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const tsx = join(root, 'node_modules/.bin/tsx');

/** Run an example as its README says: from the repository root, with tsx. */
function example(name: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, ['--conditions=@vm/source', join(here, '../examples', `${name}.ts`)], { encoding: 'utf8', input: '', timeout: 180_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples', () => {
  it('bare-board: kernel-m workload=cpu on VirtMachine', () => {
    const r = example('bare-board');
    expect(r.stdout).toContain('DONE pass');
    expect(r.stdout).toMatch(/exit: poweroff status 0, \d+ instructions/);
    expect(r.status).toBe(0);
  }, 180_000);

  it('syscall-counter: an exit hook counts the guest system calls', () => {
    const r = example('syscall-counter');
    expect(r.stdout).toContain('DONE pass');
    const n = Number(/system calls from virtual U-mode: (\d+)/.exec(r.stdout)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(r.status).toBe(0);
  }, 180_000);

  it('vcpu-loop: a VMM loop of its own on TrapVcpu sees mmio, sbi and shutdown exits', () => {
    const r = example('vcpu-loop');
    expect(r.stdout).toContain('DONE pass');
    expect(r.stdout).toMatch(/guest: poweroff at 0x[0-9a-f]+ \(vS\): powered off with status 0; exits returned to the VMM: .*mmio \d+.*sbi \d+.*shutdown 1/);
    expect(r.status).toBe(0);
  }, 180_000);

  it('custom-device: a program reads a device model defined in the example', () => {
    const r = example('custom-device');
    const numbers = r.stdout.split('\n').filter((l) => /^[0-9a-f]{16}$/.test(l));
    expect(numbers).toHaveLength(3);
    expect(new Set(numbers).size).toBe(3);
    expect(r.stdout).toContain('exit: poweroff status 0');
    expect(r.status).toBe(0);
  }, 180_000);

  it('two-vms-virtio-net: two VMs on the native hypervisor ping over a NetLink pair', () => {
    const r = example('two-vms-virtio-net');
    expect(r.stdout).toMatch(/NET ping 16\/16 ok crc=0x[0-9a-f]{8}/);
    expect(r.stdout).toContain('NET echo 16 frames');
    expect(r.stdout).toContain('pinger: poweroff');
    expect(r.stdout).toContain('echoer: poweroff');
    expect(r.stdout.match(/exit status 0$/gm)).toHaveLength(2);
    expect(r.stdout).toMatch(/exchange 32 = 2\.0 per frame/);
    expect(r.status).toBe(0);
  }, 180_000);
});
