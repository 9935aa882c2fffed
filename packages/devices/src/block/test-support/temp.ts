import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const dirs: string[] = [];

/** Remove every temporary directory after each test of the calling file. */
export function cleanTempDirs(): void {
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vm-block-'));
  dirs.push(dir);
  return dir;
}

export function image(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 13 + seed) & 0xff);
}

export function imageFile(size: number, seed = 0): string {
  const path = join(tempDir(), 'disk.img');
  writeFileSync(path, image(size, seed));
  return path;
}
