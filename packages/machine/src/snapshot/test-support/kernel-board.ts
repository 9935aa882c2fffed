import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { VmExit } from '@vm/core';
import { MemoryBlockBackend, VirtioBlock } from '@vm/devices';
import { bootVirt } from '../../boot.js';
import { VirtMachine } from '../../virt.js';
import { file } from '../../test-support/firmware.js';

export const KERNEL_M = join(dirname(fileURLToPath(import.meta.url)), '../../../../../guests/images/kernel-m.elf');

/** Slice size every run uses, so all runs service devices at the same instruction counts. */
export const SLICE = 1_000_000;

/** A console that collects output text. */
export class Captured {
  text = '';
  readonly write = (b: number): void => {
    this.text += String.fromCharCode(b);
  };
}

/** kernel-m on a 256 MiB board with a virtio-blk and a PIO memory disk (as guests.test.ts). */
export function kernelBoard(append: string, out: Captured, memory = 256 << 20, virtioForceLegacy?: boolean): VirtMachine {
  const m = new VirtMachine({ memory, console: out.write, virtioForceLegacy });
  m.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(8 << 20) }));
  m.addPioDisk(new MemoryBlockBackend(8 << 20));
  bootVirt(m, { kernel: file(KERNEL_M), append });
  return m;
}

/** Run in SLICE steps until the guest stops or `until` instructions have retired. */
export function runUntil(m: VirtMachine, until = Infinity): VmExit {
  for (;;) {
    if (m.retired >= until) return { reason: 'budget' };
    const exit = m.run(Math.min(SLICE, until - m.retired));
    if (exit.reason !== 'budget') return exit;
  }
}

export function resultLines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => /^(RESULT|DONE)/.test(l));
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'vmsnap-'));
}
