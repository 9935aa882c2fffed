import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkfs } from './fs/mkfs.js';

/** A fixture program built by fixtures/Makefile. */
export function fixture(name: string): Uint8Array {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));
}

/** A disk image with the Linux test programs in /bin. */
export function testDisk(): Uint8Array {
  return mkfs({ files: ['hello', 'files', 'spin'].map((n) => ({ path: `/bin/${n}`, bytes: fixture(n) })) });
}
