/**
 * Double-precision guest code (guests/fpbench: gravity of 5 bodies with square roots and
 * divisions, a matrix product of fused multiply-adds): the same line as QEMU 7.2 prints, with
 * the translator on (FP inline in WebAssembly blocks, or through the hart's FP unit) and off
 * (the interpreter), and the same retired-instruction count. Its speed against QEMU is measured
 * by packages/isa/bench/translator-vs-qemu.sh, not here.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { haveQemu, qemuBareElf, runBareElf, type BareRun } from './test-support/bare-elf.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const ELF = join(root, 'guests/fpbench/images/fp-bench.elf');
const APPEND = 'fp.iters=30';

const run = (translate: boolean): BareRun => runBareElf(ELF, APPEND, translate);

describe('fpbench (double precision) on bare metal', () => {
  it('prints the same line with the translator on and off, status 0', () => {
    const on = run(true);
    const off = run(false);
    expect(on.output).toMatch(/^fp: iters=30 sum=0x[0-9a-f]{16} ok\r\n$/);
    expect(off.output).toBe(on.output);
    expect(off.retired).toBe(on.retired);
    expect(on.exit).toMatchObject({ reason: 'poweroff', code: 0 });
  });

  it.skipIf(!haveQemu)('prints what QEMU prints for the same image and -append', () => {
    const q = qemuBareElf(ELF, APPEND);
    expect(q.status).toBe(0);
    expect(run(true).output).toBe(q.stdout);
  });
});
