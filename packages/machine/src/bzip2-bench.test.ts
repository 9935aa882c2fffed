/**
 * A standard C workload nobody here wrote: Debian's libbz2 (bzip2 1.0.8, SPEC CPU's 401.bzip2
 * compressor) in a bare-metal harness (guests/bzip2), compressing and decompressing a generated
 * buffer with every round trip checked. It prints the same line on QEMU 7.2 and on this board,
 * with the translator on and off (the same retired-instruction count too). Its speed against
 * QEMU is measured by packages/isa/bench/translator-vs-qemu.sh, not here.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { haveQemu, qemuBareElf, runBareElf, type BareRun } from './test-support/bare-elf.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const ELF = join(root, 'guests/bzip2/images/bzip2-bench.elf');
const APPEND = 'bzip2.kib=8 bzip2.iters=2';

const run = (translate: boolean): BareRun => runBareElf(ELF, APPEND, translate);

describe('bzip2 (Debian libbz2) as a bare-metal benchmark', () => {
  it('round-trips and prints the same line with the translator on and off, status 0', () => {
    const on = run(true);
    const off = run(false);
    expect(on.output).toMatch(/^bzip2: iters=2 in=8192 out=\d+ crc=0x[0-9a-f]{8} ok\r\n$/);
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
