import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { vmArgs } from './test-support/vm-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const fixtures = join(root, 'packages/machine/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'vm-bigmem-'));

/**
 * The `vm` command with VM_HOST_MEMORY standing in for the host's memory, so these runs do not
 * depend on the machine's own size (guest RAM is committed lazily: the guests here touch a few MiB).
 */
function vm(hostMemory: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, vmArgs(...args), {
    encoding: 'utf8', input: '', timeout: 120_000, cwd: root, env: { ...process.env, VM_HOST_MEMORY: hostMemory },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** j . — spins for ever: a trivial guest to snapshot. */
const spin = join(dir, 'spin.bin');
writeFileSync(spin, Uint8Array.of(0x6f, 0, 0, 0));

describe('issue 16 item 8: guest RAM of any size the host can hold', () => {
  it.each(['8G', '16G'])('-m %s bare: a word written above 4 GiB of RAM reads back, apart from the one 4 GiB below', (m) => {
    // high-ram-8g.elf stores at RAM offsets 16, 4 GiB + 16 and 8 GiB - 16 and checks all three (HTIF exit 0).
    const r = vm('64G', 'run', '-m', m, '-bios', 'none', '-kernel', join(fixtures, 'high-ram-8g.elf'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('two 3 GiB VMs on one native hypervisor (vm up): each writes above 4 GiB of its guest-physical space', () => {
    const file = join(dir, 'two-3g.yaml');
    const kernel = join(fixtures, 'high-ram-3g.elf');
    writeFileSync(file, `vms:\n  - { name: a, memory: 3G, kernel: ${kernel} }\n  - { name: b, memory: 3G, kernel: ${kernel} }\n`);
    const r = vm('64G', 'up', file);
    expect(r.stderr).toMatch(/\[a\] exit 0/);
    expect(r.stderr).toMatch(/\[b\] exit 0/);
    expect(r.status).toBe(0);
  }, 120_000);

  it('refuses -m beyond what the host can give: exit 2, one line naming -m and the limit', () => {
    const hello = ['-bios', 'none', '-kernel', join(fixtures, 'uart-hello.elf')];
    for (const [args, message] of [
      [['run', '-m', '16G', ...hello], '-m 16G: more than this host can give: at most 8192M (the host has 8192M of memory (VM_HOST_MEMORY))'],
      [['run', '--hypervisor', 'native', '-m', '8G', ...hello], '-m 8G: more than this host can give: at most 8128M with 64M for the hypervisor under --hypervisor native (the host has 8192M of memory (VM_HOST_MEMORY))'],
      [['run', '--hypervisor', 'hosted', '-m', '8G', ...hello], '-m 8G: more than this host can give: at most 8168M with 24M for the host OS under --hypervisor hosted'],
    ] as const) {
      const r = vm('8G', ...args);
      expect(r.stderr.trim()).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.status).toBe(2);
    }
    // Beyond the board's address map whatever the host has.
    expect(vm('1024G', 'run', '-m', '65G', ...hello).stderr).toContain("at most 65536M (this build's address map holds 65536M of RAM)");
  }, 120_000);

  it('vm snapshot -m 4G of a trivial guest stores only what it touched, and restores', () => {
    const file = join(dir, 'spin-4g.vmsnap');
    const r = vm('64G', 'snapshot', '-m', '4G', '-o', file, '--at', '100000', '-bios', 'none', '-kernel', spin);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\(\d+ bytes, [12] RAM chunks,/);
    expect(statSync(file).size).toBeLessThan(16 * 1024);
    const back = vm('64G', 'restore', file, '--max-instructions', '100000');
    expect(back.stderr).toContain('stopped after 100000 instructions');
  }, 120_000);
});
