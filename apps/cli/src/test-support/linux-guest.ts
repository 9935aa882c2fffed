import { spawnSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { vmArgs } from './vm-process.js';

/** The Linux guests of guests/linux and how the tests boot them and read their transcript. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const IMAGE = join(ROOT, 'guests/linux/images/Image');
export const INITRD = join(ROOT, 'guests/linux/images/initramfs.cpio.gz');
export const IMAGE_SMP = join(ROOT, 'guests/linux/images/Image-smp');
export const FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
export const QEMU = '/usr/bin/qemu-system-riscv64';
export const SMP_BOOT = ['-m', '256M', '-kernel', IMAGE_SMP, '-initrd', INITRD, '-append', 'console=ttyS0'];

/** An empty 8 MiB raw disk `name`.img in `dir` (the transcript writes to /dev/vda and reads it back). */
export function disk(dir: string, name: string): string {
  const f = join(dir, `${name}.img`);
  writeFileSync(f, '');
  truncateSync(f, 8 << 20);
  return f;
}

/** The lines between the transcript's markers. */
export function transcript(console: string): string {
  const text = console.replaceAll('\r', '');
  const start = text.indexOf('=== transcript begin ===');
  const end = text.indexOf('=== transcript end ===');
  return start < 0 || end < 0 ? `(no transcript) ${text.slice(-2000)}` : text.slice(start, end);
}

/** `vm run ARGS... BOOT... -drive <a fresh disk>`: its exit status and transcript. */
export function vmBoot(dir: string, name: string, boot: readonly string[], ...args: string[]): { status: number | null; transcript: string } {
  const r = spawnSync(process.execPath, vmArgs('run', ...args, ...boot, '-drive', `file=${disk(dir, name)},format=raw,if=virtio`), { encoding: 'utf8', input: '', timeout: 170_000, cwd: ROOT });
  return { status: r.status, transcript: transcript(r.stdout) };
}

/**
 * The SMP kernel's transcript with `n` CPUs: all online (nproc, /proc/cpuinfo, the online mask),
 * /init's /bin/atomics counting from one thread per CPU with amoadd.w/.d and lr/sc loops to exact
 * totals, and the disk written and read back.
 */
export function expectSmpTranscript(t: string, n: number): void {
  expect(t).toContain(`\n$ nproc\n${n}\n`);
  expect(t).toContain(`\n$ grep -c ^processor /proc/cpuinfo\n${n}\n`);
  expect(t).toContain(`\n$ cat /sys/devices/system/cpu/online\n0-${n - 1}\n`);
  expect(t).toContain(`\natomics: ${n} threads x 20000 increments\n`);
  for (const counter of ['amoadd.w', 'amoadd.d', 'lr.w/sc.w', 'lr.d/sc.d']) expect(t).toContain(`\n${counter} ${n * 20000}\n`);
  expect(t).toContain('\natomics: exact\n');
  expect(t).toContain('disk: match');
}
