import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectSmpTranscript, FW_JUMP, IMAGE_SMP, SMP_BOOT, vmBoot } from './test-support/linux-guest.js';

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
