/**
 * The block translator changes nothing a guest can observe (with a low heat threshold, so most
 * code runs through blocks): real programs run with it on and off
 * give the same console output, the same exit, the same retired-instruction count and the same
 * final registers. Programs: the ISA conformance suite (conformance/*.elf) and our guest kernel
 * images with every workload (M-mode boot, and S-mode / paravirtual boot on Debian's OpenSBI, which
 * brings paging, interrupts, virtio DMA and a timer).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemoryBlockBackend, VirtioBlock } from '@vm/devices';
import { bootVirt } from './boot.js';
import { FIRMWARE, file } from './test-support/firmware.js';
import { VirtMachine } from './virt.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const CONFORMANCE = ['rv64i', 'rv64m', 'rv64a', 'rv64c', 'rv64fd', 'csr', 'traps', 'vm', 'pmp', 'hext', 'hgpf'];

interface Outcome {
  output: string;
  exit: unknown;
  retired: number;
  x: bigint[];
  pc: bigint;
}

function runImage(translate: boolean, setup: (m: VirtMachine) => void, hExtension = false, translateThreshold = 2): Outcome {
  let output = '';
  const m = new VirtMachine({ memory: 256 << 20, console: (b) => (output += String.fromCharCode(b)), hExtension, translate, translateThreshold });
  setup(m);
  let exit: unknown;
  for (let i = 0; i < 400; i++) {
    exit = m.run(1_000_000);
    if ((exit as { reason: string }).reason !== 'budget') break;
  }
  const h = m.harts[0]!;
  return { output, exit, retired: h.retired, x: [...h.x], pc: h.pc };
}

function expectSame(setup: (m: VirtMachine) => void, hExtension = false, translateThreshold = 2): Outcome {
  const off = runImage(false, setup, hExtension);
  const on = runImage(true, setup, hExtension, translateThreshold);
  expect(on.output).toBe(off.output);
  expect(on.exit).toEqual(off.exit);
  expect(on.retired).toBe(off.retired);
  expect(on.x).toEqual(off.x);
  expect(on.pc).toBe(off.pc);
  return on;
}

describe('translator on = translator off, on real programs', () => {
  it.each(CONFORMANCE)('conformance/%s', (name) => {
    const path = join(root, 'packages/machine/conformance', `${name}.elf`);
    const r = expectSame((m) => bootVirt(m, { kernel: { file: path, bytes: new Uint8Array(readFileSync(path)) } }), name === 'hext' || name === 'hgpf');
    expect(r.exit).toMatchObject({ reason: 'poweroff' });
  });

  describe.skipIf(!existsSync(FIRMWARE.fwJump))('guest kernel images, every workload', () => {
    it.each(['kernel-m', 'kernel-s', 'kernel-pv'])('%s', (image) => {
      const kernel = file(join(root, 'guests/images', `${image}.elf`));
      const r = expectSame((m) => {
        m.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(8 << 20) }));
        m.addPioDisk(new MemoryBlockBackend(8 << 20));
        bootVirt(m, image === 'kernel-m' ? { kernel } : { bios: file(FIRMWARE.fwJump), kernel });
      });
      expect(r.output).toContain('DONE pass');
    });
  });

  // Linux 6.1 + busybox (guests/linux) on Debian's OpenSBI, to its init's poweroff (90 M
  // instructions); the default heat threshold keeps the translated run near the interpreter's time.
  const linux = join(root, 'guests/linux/images');
  it.skipIf(!existsSync(FIRMWARE.fwDynamic) || !existsSync(join(linux, 'Image')))('Linux boot to poweroff', () => {
    const r = expectSame((m) => bootVirt(m, {
      bios: file(FIRMWARE.fwDynamic), kernel: file(join(linux, 'Image')), initrd: file(join(linux, 'initramfs.cpio.gz')), append: 'console=ttyS0',
    }), false, 4000);
    expect(r.output).toContain('reboot: Power down');
    expect(r.exit).toMatchObject({ reason: 'poweroff' });
  }, 120_000);
});
