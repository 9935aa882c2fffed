/**
 * `--no-translate` / `-accel interp|tcg`: the translator switch reaches the guest's hart, and a
 * guest gives the same output and retired-instruction count either way (vm run --stats).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const kernel = join(root, 'guests/images/kernel-m.elf');

function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('pnpm', ['-s', 'vm', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, VM_TRANSLATE: undefined } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const instructions = (stderr: string): string | undefined => /vm: (\d+) guest instructions/.exec(stderr)?.[1];

describe('vm run: the translator switch', () => {
  it('same output and instruction count with the translator (default, -accel tcg) and without (--no-translate, -accel interp)', () => {
    const runs = [[], ['-accel', 'tcg,thread=single'], ['--no-translate'], ['-accel', 'interp']].map((flags) =>
      vm('run', ...flags, '-bios', 'none', '-kernel', kernel, '-append', 'workload=cpu', '--stats'));
    for (const r of runs) {
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('RESULT cpu iters=200 crc=0x5cc442d2 ok');
      expect(instructions(r.stderr)).toBeDefined();
    }
    expect(runs.map((r) => /translator off/.test(r.stderr))).toEqual([false, false, true, true]);
    expect(runs[0]!.stderr).toMatch(/translator: [1-9]\d* blocks translated/);
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(1);
    expect(new Set(runs.map((r) => instructions(r.stderr))).size).toBe(1);
  });

  it('refuses an unknown accelerator', () => {
    const r = vm('run', '-accel', 'kvm', '-bios', 'none', '-kernel', kernel);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("-accel kvm: 'tcg' (the block translator, default) or 'interp' (interpreter only)");
  });
});
