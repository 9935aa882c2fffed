import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GuestFile } from '@vm/core';
import { describe, expect, it } from 'vitest';
import { hostedAccelStack, hostedHost, hostedSoftStack } from './hosted-stack.js';

const FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const file = (path: string): GuestFile => ({ file: path, bytes: readFileSync(path) });
const debian = existsSync(FW_JUMP) && existsSync(UBOOT);

describe.skipIf(!debian)('@vm/hypervisor-hosted: Debian OpenSBI fw_jump + U-Boot in a VMM process', () => {
  for (const mode of ['accel', 'soft'] as const) {
    it(`${mode}: reaches U-Boot's prompt and answers 'version'`, () => {
      let text = '';
      const { kernel, vmms } = hostedHost([{ name: 'uboot', spec: { memory: 128 << 20, bios: file(FW_JUMP), kernel: file(UBOOT) }, interactive: true }], mode, {
        console: (b) => void (text += String.fromCharCode(b)),
      });
      const until = (what: string, limit: number): void => {
        for (let n = 0; n < limit && !text.includes(what); n++) kernel.run(2_000_000);
        expect(text, `waiting for '${what}'`).toContain(what);
      };
      until('Hit any key to stop autoboot', 300);
      kernel.console.type(' ');
      until('=> ', 100);
      kernel.console.type('version\r');
      until('U-Boot 20', 100);
      expect(text).toContain('OpenSBI');
      expect(vmms[0]!.vmm.exit).toBeUndefined();
    }, 300_000);
  }

  for (const stack of [hostedAccelStack, hostedSoftStack]) {
    it(`${stack.name}: kernel-s.elf behind fw_jump prints the RESULT lines of bare metal`, () => {
      const image = fileURLToPath(new URL('../../../guests/images/kernel-s.elf', import.meta.url));
      const r = stack.run({ memory: 64 << 20, bios: file(FW_JUMP), kernel: file(image), append: 'workload=cpu', maxInstructions: 400_000_000 });
      const results = r.console.split(/\r?\n/).filter((l) => l.startsWith('RESULT') || l.startsWith('DONE'));
      expect(results).toContain('RESULT cpu iters=200 crc=0x5cc442d2 ok');
      expect(results).toContain('DONE pass');
      expect(r.exit).toEqual({ reason: 'poweroff', code: 0 });
    }, 300_000);
  }
});
