import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkfs } from './fs/mkfs.js';

/** A fixture program built by fixtures/Makefile. */
export function fixture(name: string): Uint8Array {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));
}

/** A disk image with the Linux test programs in /bin. */
export function testDisk(): Uint8Array {
  return mkfs({ files: ['hello', 'files', 'spin', 'forkexec'].map((n) => ({ path: `/bin/${n}`, bytes: fixture(n) })) });
}

/** Our guest kernel's user programs (fixtures/vmkernel, from guests/user) for the vmkernel personality. */
export const VMKERNEL_PROGRAMS = ['init', 'cpu', 'mem', 'fork', 'disk', 'console'] as const;

/** A disk image with the guest kernel's user programs in /vmk and the Linux test programs in /bin. */
export function vmkernelDisk(): Uint8Array {
  return mkfs({
    files: [
      ...VMKERNEL_PROGRAMS.map((n) => ({ path: `/vmk/${n}`, bytes: fixture(`vmkernel/${n}`) })),
      ...['hello', 'files', 'spin', 'forkexec'].map((n) => ({ path: `/bin/${n}`, bytes: fixture(n) })),
    ],
  });
}
