import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type GuestFile } from '@vm/core';

/** Debian's OpenSBI 1.1 fw_jump: jumps to the payload at 0x8020_0000 (what guests/run-qemu.sh uses). */
export const OPENSBI_FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';

/** The repository root: the nearest ancestor holding guests/images (works from src/ and dist/). */
export function repoRoot(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'guests', 'images'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new ConfigError(`no guests/images above ${from}: run the benchmark inside the vm repository`);
    dir = up;
  }
}

/** Path of one of our guest images (guests/README.md): kernel-m.elf, kernel-s.elf, kernel-pv.elf. */
export function guestImagePath(name: string): string {
  return join(repoRoot(), 'guests', 'images', name);
}

/** Read a file for a GuestSpec; a missing file is a configuration error, not a crash. */
export function readGuestFile(path: string): GuestFile {
  if (!existsSync(path)) throw new ConfigError(`${path}: no such file`);
  return { file: path, bytes: new Uint8Array(readFileSync(path)) };
}
