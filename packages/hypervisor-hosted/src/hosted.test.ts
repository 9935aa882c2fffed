import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GuestSpec } from '@vm/core';
import { describe, expect, it } from 'vitest';
import { readFileSync as read } from 'node:fs';
import { hostedAccelStack, hostedHost, hostedSetup, hostedSoftStack } from './hosted-stack.js';

const image = fileURLToPath(new URL('../../../guests/images/kernel-m.elf', import.meta.url));
const spec = (): GuestSpec => ({
  kernel: { file: image, bytes: readFileSync(image) },
  append: 'workload=cpu,disk',
  memory: 64 << 20,
  disks: [{ bytes: new Uint8Array(8 << 20), bus: 'virtio' }],
  maxInstructions: 200_000_000,
});

describe('@vm/hypervisor-hosted: kernel-m in a VMM process', () => {
  for (const stack of [hostedAccelStack, hostedSoftStack]) {
    it(`${stack.name}: same RESULT lines as bare metal`, () => {
      const r = stack.run(spec());
      const results = r.console.split(/\r?\n/).filter((l) => l.startsWith('RESULT') || l.startsWith('DONE'));
      expect(results).toContain('RESULT cpu iters=200 crc=0x5cc442d2 ok');
      expect(results.some((l) => l.startsWith('RESULT disk') && l.endsWith(' ok'))).toBe(true);
      expect(results).toContain('DONE pass');
      expect(r.exit).toEqual({ reason: 'poweroff', code: 0 });
    });
  }
});

describe('@vm/hypervisor-hosted: the VMM competes with a CPU-bound host process', () => {
  for (const mode of ['accel', 'soft'] as const) {
    it(`${mode}: guest instructions follow the scheduler's shares (VMM 1 : spinner 2)`, () => {
      const spin = read(fileURLToPath(new URL('../../hostos/fixtures/spin', import.meta.url)));
      const { kernel, vmm, process: p } = hostedSetup({ ...spec(), append: 'workload=cpu cpu.iters=100000' }, mode, 1024);
      // The spinner lives on the host file system too: write it through the kernel's fs.
      const inode = kernel.fs.create('/bin/spin', 'file');
      kernel.fs.write(inode, 0, spin);
      const spinner = kernel.spawn('/bin/spin', { weight: 2048 });
      kernel.run(6_000_000);
      const ratio = spinner.stats.instructions / p.stats.instructions;
      expect(ratio).toBeGreaterThan(2 * 0.85);
      expect(ratio).toBeLessThan(2 * 1.15);
      expect(vmm.guestInstructions).toBeGreaterThan(1_000_000);
    });
  }
});

describe('@vm/hypervisor-hosted: a VMM that ends gives its host memory back', () => {
  const hello = fileURLToPath(new URL('../../machine/fixtures/uart-hello.elf', import.meta.url));
  for (const mode of ['accel', 'soft'] as const) {
    it(`${mode}: guest RAM, shadow tables and the VM itself are freed when the VMM exits or is killed`, () => {
      const guest = { memory: 4 << 20, kernel: { file: 'uart-hello.elf', bytes: readFileSync(hello) }, sbi: 'firmware' as const };
      const host = hostedHost([{ name: 'done', spec: guest }, { name: 'killed', spec: guest }], mode);
      const k = host.kernel;
      const frames = k.machine.ram.size / 4096;
      const [done, killed] = host.vmms;
      // Both set up (guest RAM mapped, VM made), the first one's guest powered off.
      while (done!.process.state !== 'zombie') k.run(10_000);
      expect(done!.vmm.exit).toEqual({ reason: 'poweroff', code: 0 });
      expect(killed!.vmm.started).toBe(true);
      expect(k.vmm.vmOf(done!.process.pid)).toBeUndefined();
      k.kill(killed!.process, 9, 'test');
      expect(k.vmm.vmOf(killed!.process.pid)).toBeUndefined();
      // Every frame free: nothing of either VMM (its pages, its guest's RAM, its VM's shadow tables) stays allocated.
      expect(k.frames.freeFrames).toBe(frames);
    });
  }
});
