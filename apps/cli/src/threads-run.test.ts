import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectSmpTranscript, FW_JUMP, IMAGE_SMP, ROOT, SMP_BOOT, vmBoot } from './test-support/linux-guest.js';
import { vmArgs } from './test-support/vm-process.js';

/**
 * The SMP kernel (guests/linux/images/Image-smp) on the bare board with each hart on its own
 * worker thread (`-accel tcg,thread=multi`): OpenSBI starts the secondaries, IPIs and remote fences
 * cross threads through the CLINT on the main thread, every CPU comes online, and /init's
 * /bin/atomics — one Linux thread per CPU, so harts really running at once — counts to exact totals
 * with amoadd and lr/sc loops. The same assertions as the single-thread SMP test (linux-guest.test.ts).
 */
const dir = mkdtempSync(join(tmpdir(), 'vm-threads-linux-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(IMAGE_SMP) || !existsSync(FW_JUMP))('Linux 6.1 SMP with the harts on threads (-accel tcg,thread=multi)', () => {
  for (const n of [2, 4]) {
    it(`-smp ${n}: ${n} CPUs online, atomics exact, poweroff status 0`, () => {
      const r = vmBoot(dir, `threads-smp${n}`, SMP_BOOT, '-accel', 'tcg,thread=multi', '-smp', String(n), '-bios', FW_JUMP);
      expectSmpTranscript(r.transcript, n);
      expect(r.status).toBe(0);
    }, 120_000);
  }
});

/**
 * `vm snapshot` with the harts on threads: they run to --at (each to its next batch boundary, so
 * at least N), park with their states in the board, and the board is written as on one thread —
 * a file `vm restore` continues on one thread to the guest's own result.
 */
describe('vm snapshot with -accel tcg,thread=multi', () => {
  it('writes a checkpoint on threads that vm restore finishes on one thread', () => {
    const file = join(dir, 'threads.vmsnap');
    const kernel = join(ROOT, 'guests/images/kernel-m.elf');
    const vm = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
      const r = spawnSync(process.execPath, vmArgs(...args), { encoding: 'utf8', input: '', timeout: 100_000, cwd: ROOT });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const a = vm('-accel', 'tcg,thread=multi', 'snapshot', '-o', file, '--at', '3000000', '-bios', 'none', '-kernel', kernel, '-append', 'workload=cpu');
    expect(a.stderr).toMatch(/vm snapshot: \d+ instructions; wrote .*threads\.vmsnap/);
    expect(Number(/vm snapshot: (\d+) instructions/.exec(a.stderr)?.[1])).toBeGreaterThanOrEqual(3_000_000);
    expect(a.status).toBe(0);
    const b = vm('restore', file);
    expect(a.stdout + b.stdout).toContain('DONE pass');
    expect(b.status).toBe(0);
  }, 120_000);
});
