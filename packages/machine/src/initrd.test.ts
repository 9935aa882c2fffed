/**
 * -initrd is loaded as bytes, whatever the file holds (issue 16 item 5): QEMU's virt board copies
 * the initrd file as it is above the kernel and names it in /chosen. An ELF given as -initrd used
 * to be parsed and its segments loaded at their own addresses, over the kernel.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFdt } from '@vm/devices';
import { bootVirt } from './boot.js';
import { file } from './test-support/firmware.js';
import { VirtMachine } from './virt.js';

const images = join(dirname(fileURLToPath(import.meta.url)), '../../../guests/images');

describe('-initrd', () => {
  it('an ELF as initrd is copied byte for byte above the kernel and named in /chosen; the kernel runs untouched', () => {
    let out = '';
    const m = new VirtMachine({ memory: 128 << 20, console: (b) => (out += String.fromCharCode(b)) });
    const kernel = file(join(images, 'kernel-m.elf'));
    // kernel-s.elf links at 0x8020_0000: parsed as an ELF it would land inside kernel-m's RAM.
    const initrd = file(join(images, 'kernel-s.elf'));
    const info = bootVirt(m, { kernel, initrd, append: 'workload=cpu cpu.iters=2' });
    const { start, end } = info.initrd!;
    expect(end - start).toBe(initrd.bytes.length);
    expect(start).toBeGreaterThanOrEqual(info.kernel!.end);
    expect(m.ram.copyOut(start, initrd.bytes.length)).toEqual(initrd.bytes); // the ELF header too
    const chosen = parseFdt(m.ram.copyOut(info.fdt, info.fdtSize)).find('/chosen')!;
    expect(Number(chosen.prop('linux,initrd-start')!.u64())).toBe(start);
    expect(Number(chosen.prop('linux,initrd-end')!.u64())).toBe(end);
    let exit = m.run(1);
    for (let i = 0; i < 200 && exit.reason === 'budget'; i++) exit = m.run(1_000_000);
    expect(out).toContain('DONE pass');
    expect(exit).toEqual({ reason: 'poweroff', code: 0 });
  });
});
