/**
 * Double-precision guest code (guests/fpbench: gravity of 5 bodies with square roots and
 * divisions, a matrix product of fused multiply-adds): the same line as QEMU 7.2 prints, with
 * the translator on (FP inline in WebAssembly blocks, or through the hart's FP unit) and off
 * (the interpreter), and the same retired-instruction count. Its speed against QEMU is measured
 * by packages/isa/bench/translator-vs-qemu.sh, not here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bootVirt } from './boot.js';
import { VirtMachine } from './virt.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const ELF = join(root, 'guests/fpbench/images/fp-bench.elf');
const APPEND = 'fp.iters=30';

function run(translate: boolean): { output: string; exit: unknown; retired: number } {
  let output = '';
  const m = new VirtMachine({ memory: 128 << 20, console: (b) => (output += String.fromCharCode(b)), translate, translateThreshold: 50 });
  bootVirt(m, { kernel: { file: ELF, bytes: new Uint8Array(readFileSync(ELF)) }, append: APPEND });
  let exit: unknown;
  for (let i = 0; i < 200; i++) {
    exit = m.run(1_000_000);
    if ((exit as { reason: string }).reason !== 'budget') break;
  }
  return { output, exit, retired: m.harts[0]!.retired };
}

const qemu = spawnSync('qemu-system-riscv64', ['--version']).status === 0;

describe('fpbench (double precision) on bare metal', () => {
  it('prints the same line with the translator on and off, status 0', () => {
    const on = run(true);
    const off = run(false);
    expect(on.output).toMatch(/^fp: iters=30 sum=0x[0-9a-f]{16} ok\r\n$/);
    expect(off.output).toBe(on.output);
    expect(off.retired).toBe(on.retired);
    expect(on.exit).toMatchObject({ reason: 'poweroff', code: 0 });
  });

  it.skipIf(!qemu)('prints what QEMU prints for the same image and -append', () => {
    const q = spawnSync('qemu-system-riscv64', ['-M', 'virt', '-m', '128M', '-nographic', '-bios', 'none', '-kernel', ELF, '-append', APPEND], {
      encoding: 'utf8', timeout: 60_000, input: '',
    });
    expect(q.status).toBe(0);
    expect(run(true).output).toBe(q.stdout);
  });
});
