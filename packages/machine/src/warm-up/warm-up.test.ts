import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bootVirt } from '../boot.js';
import { file } from '../test-support/firmware.js';
import { VirtMachine } from '../virt.js';
import { warmUpImageSource } from './assemble-warm-up.js';
import { warmUp } from './warm-up.js';

describe('warmUp', () => {
  // First: no test of this file (a process of its own under vitest) has warmed up before it.
  it('changes nothing a guest sees: kernel-m gives the same console and instruction count before and after it', () => {
    const before = kernelM();
    warmUp();
    const after = kernelM();
    expect(after).toEqual(before);
    expect(before.console).toContain('RESULT cpu iters=2');
  });

  it('image.ts is what warm-up.S assembles to (pnpm --filter @vm/machine gen:warm-up rewrites it)', () => {
    const source = readFileSync(new URL('./warm-up.S', import.meta.url), 'utf8');
    expect(readFileSync(new URL('./image.ts', import.meta.url), 'utf8')).toBe(warmUpImageSource(source));
  });

  it('runs the program to its poweroff, through every trap it provokes in M, S and U mode, once per thread', () => {
    const r = warmUp();
    expect(r.completed).toBe(true);
    // M: ecall, ebreak, an illegal word, CSR 0x7ff, the timer interrupt, S's closing ecall.
    expect(r.mTraps).toBe(6);
    // S: a load and a store page fault, a fetch page fault, the software interrupt, U's ecall.
    expect(r.sTraps).toBe(5);
    expect(r.instructions).toBeGreaterThan(10_000);
    // Its closing loop's block, compiled as soon as it is hot (WebAssembly blocks unless
    // VM_TRANSLATE=0, the interpreter, or =js).
    expect(r.modules).toBe(process.env['VM_TRANSLATE'] === '0' || process.env['VM_TRANSLATE'] === 'js' ? 0 : 1);
    expect(warmUp()).toBe(r);
  });
});

/** kernel-m's cpu workload on a board of its own: its console and instruction count. */
function kernelM(): { console: string; retired: number; exit: unknown } {
  let out = '';
  const m = new VirtMachine({ memory: 64 << 20, console: (b) => (out += String.fromCharCode(b)) });
  bootVirt(m, { kernel: file(fileURLToPath(new URL('../../../../guests/images/kernel-m.elf', import.meta.url))), append: 'workload=cpu cpu.iters=2' });
  const exit = m.run(50_000_000);
  return { console: out, retired: m.retired, exit };
}
