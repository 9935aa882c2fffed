import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const kernelM = join(root, 'guests/images/kernel-m.elf');

function up(text: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'vm-up-hosted-')), 'stack.yaml');
  writeFileSync(file, text);
  const r = spawnSync(tsx, ['--conditions=@vm/source', join(here, 'main.ts'), 'up', file, ...args], { encoding: 'utf8', input: '', timeout: 240_000, cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vm up with hypervisor: { type: hosted }', () => {
  for (const mode of ['accel', 'soft']) {
    it(`${mode}: two kernel-m VMs as two VMM processes on one host OS, consoles prefixed`, () => {
      const r = up(`hypervisor: { type: hosted, mode: ${mode} }\nvms:\n  - { name: cpu, memory: 64M, kernel: ${kernelM}, append: workload=cpu }\n  - { name: fork, memory: 64M, kernel: ${kernelM}, append: workload=fork, weight: 512 }\n`, '--stats');
      expect(r.stdout).toContain('[cpu] RESULT cpu iters=200 crc=0x5cc442d2 ok');
      expect(r.stdout).toContain('[fork] DONE pass');
      expect(r.stdout.split('\n').filter((l) => l !== '').every((l) => /^\[(cpu|fork)\] /.test(l))).toBe(true);
      expect(r.stderr).toMatch(/\[cpu\] exit 0, \d+ instructions, VMM pid 1/);
      expect(r.stderr).toMatch(/\[fork\] exit 0, \d+ instructions, VMM pid 2/);
      expect(r.status).toBe(0);
    }, 240_000);
  }

  it('names the key of a bad hosted stack file', () => {
    const bad = up(`hypervisor: { type: hosted, mode: trap }\nvms:\n  - { name: a, memory: 64M, kernel: ${kernelM} }\n`);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("hypervisor.mode: 'trap': 'accel' or 'soft'");
  });
});
