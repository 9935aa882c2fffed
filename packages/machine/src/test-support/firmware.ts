import { existsSync, readFileSync } from 'node:fs';
import type { BootFile } from '../boot.js';

/** Debian's firmware packages (opensbi, u-boot-qemu): the real software the board must boot. */
export const FIRMWARE = {
  fwJump: '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin',
  fwDynamic: '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin',
  fwJumpElf: '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf',
  ubootS: '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin',
  ubootM: '/usr/lib/u-boot/qemu-riscv64/u-boot.bin',
} as const;

export const haveFirmware = Object.values(FIRMWARE).every((f) => existsSync(f));

export function file(path: string): BootFile {
  return { file: path, bytes: new Uint8Array(readFileSync(path)) };
}
