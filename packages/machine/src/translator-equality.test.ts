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
import { assemble } from '@vm/isa';
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

describe('translator on = translator off, page faults in hot blocks', () => {
  it('a loop of loads and stores to an unmapped page, each a page fault to an S-mode handler that skips it', () => {
    // Sv39: VA 0x8000_0000.. is a 1 GiB identity leaf, VA 0x4000_0000 is not mapped. The faults
    // are taken from inside blocks, returned by the page lookup rather than thrown (hart.ts
    // PAGE_FAULT, blockTrap): the counts, tvals and causes must be the interpreter's.
    const N = 3000;
    const program = assemble(
      `
  li t1, -1
  csrw pmpaddr0, t1
  li t1, 0x1f
  csrw pmpcfg0, t1
  li t0, 0x80100000
  li t1, 0x200000cf
  sd t1, 16(t0)
  li t1, 0xa000            # load and store page faults (13, 15) to S
  csrw medeleg, t1
  la t1, handler
  csrw stvec, t1
  la t1, mexit
  csrw mtvec, t1
  li t1, 0x8000000000080100
  csrw satp, t1
  sfence.vma
  li t1, 0x800
  csrs mstatus, t1
  la t1, smain
  csrw mepc, t1
  mret
smain:
  li t0, ${N}
  li t2, 0x40000000
1:
  ld t1, 8(t2)
  addi t2, t2, 16
  sd t0, 0(t2)
  addi t0, t0, -1
  bnez t0, 1b
  ecall
  .align 4
handler:
  addi s1, s1, 1
  csrr s2, stval
  csrr s3, scause
  csrr t3, sepc
  addi t3, t3, 4
  csrw sepc, t3
  sret
  .align 4
mexit:
  li t4, 0x100000
  li t5, 0x5555
  sw t5, 0(t4)
2:
  j 2b
`,
      { base: 0x8000_0000n },
    ).bytes;
    const r = expectSame((m) => bootVirt(m, { kernel: { file: 'page-faults.bin', bytes: program } }));
    expect(r.exit).toEqual({ reason: 'poweroff', code: 0 });
    expect(r.x[9]).toBe(BigInt(2 * N)); // s1: every access faulted
    expect(r.x[19]).toBe(15n); // s3: the last was a store page fault
    expect(r.x[18]).toBe(0x4000_0000n + BigInt(16 * N)); // s2: at the address it stored to
  });
});
