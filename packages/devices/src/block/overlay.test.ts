import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileBlockBackend } from './file.js';
import { MemoryBlockBackend } from './memory.js';
import { OverlayBlockBackend } from './overlay.js';
import { cleanTempDirs, image, imageFile, tempDir } from './test-support/temp.js';

cleanTempDirs();

describe('OverlayBlockBackend', () => {
  it('reads through to the base until a cluster is written; never writes the base (memory overlay)', () => {
    const baseBytes = image(16384, 5);
    const base = new MemoryBlockBackend(baseBytes.slice(), { readOnly: true });
    const o = new OverlayBlockBackend(base);
    expect(o.readOnly).toBe(false);
    expect(o.size).toBe(16384);
    o.write(4000, image(200, 50));
    const out = new Uint8Array(16384);
    o.read(0, out);
    const expected = baseBytes.slice();
    expected.set(image(200, 50), 4000);
    expect(out).toEqual(expected);
    expect(base.bytes).toEqual(baseBytes);
    o.flush();
    o.close();
  });

  it('leaves a base image file byte-for-byte and mtime unchanged (file overlay)', () => {
    const path = imageFile(32768, 3);
    const before = statSync(path);
    const beforeBytes = readFileSync(path);
    const cow = join(tempDir(), 'disk.cow');
    const o = new OverlayBlockBackend(new FileBlockBackend(path, { readOnly: true }), { overlayFile: cow });
    o.write(0, image(10000, 8));
    o.write(30000, image(2768, 9));
    o.flush();
    const out = new Uint8Array(32768);
    o.read(0, out);
    const expected = new Uint8Array(beforeBytes);
    expected.set(image(10000, 8), 0);
    expected.set(image(2768, 9), 30000);
    expect(out).toEqual(expected);
    o.close();
    expect(readFileSync(path)).toEqual(beforeBytes);
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(cow).size).toBe(32768);
  });

  it('works over a writable base without modifying it', () => {
    const path = imageFile(8192, 1);
    const beforeBytes = readFileSync(path);
    const o = new OverlayBlockBackend(new FileBlockBackend(path));
    o.write(100, Uint8Array.of(1, 2, 3));
    o.close();
    expect(readFileSync(path)).toEqual(beforeBytes);
  });
});
