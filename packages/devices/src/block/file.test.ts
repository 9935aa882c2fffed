import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockBackendError } from './backend.js';
import { FileBlockBackend } from './file.js';
import { MemoryBlockBackend } from './memory.js';
import { OverlayBlockBackend } from './overlay.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vm-block-'));
  dirs.push(dir);
  return dir;
}
function image(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 13 + seed) & 0xff);
}
function imageFile(size: number, seed = 0): string {
  const path = join(tempDir(), 'disk.img');
  writeFileSync(path, image(size, seed));
  return path;
}

describe('MemoryBlockBackend', () => {
  it('reads, writes and range-checks', () => {
    const b = new MemoryBlockBackend(1024);
    expect(b.size).toBe(1024);
    b.write(100, Uint8Array.of(1, 2, 3));
    const out = new Uint8Array(5);
    b.read(99, out);
    expect([...out]).toEqual([0, 1, 2, 3, 0]);
    expect(() => b.read(1020, new Uint8Array(8))).toThrow(BlockBackendError);
    expect(() => new MemoryBlockBackend(16, { readOnly: true }).write(0, Uint8Array.of(1))).toThrow(/read-only/);
  });
});

describe('FileBlockBackend', () => {
  it('serves reads from the file', () => {
    const path = imageFile(10000, 4);
    const b = new FileBlockBackend(path);
    expect(b.size).toBe(10000);
    const out = new Uint8Array(5000);
    b.read(3000, out);
    expect(out).toEqual(image(10000, 4).subarray(3000, 8000));
    b.close();
  });

  it('keeps writes in the cache until flush(), and reads see them at once', () => {
    const path = imageFile(16384);
    const b = new FileBlockBackend(path);
    const data = image(6000, 77); // spans partial blocks at both ends
    b.write(1000, data);
    expect(b.dirtyBytes).toBeGreaterThan(0);
    expect(readFileSync(path)).toEqual(Buffer.from(image(16384, 0)));
    const out = new Uint8Array(8000);
    b.read(0, out);
    const expected = image(16384, 0).slice(0, 8000);
    expected.set(data, 1000);
    expect(out).toEqual(expected);
    b.flush();
    expect(b.dirtyBytes).toBe(0);
    expect(readFileSync(path).subarray(0, 8000)).toEqual(Buffer.from(expected));
    b.close();
  });

  it('writes dirty blocks on close() and the data is there afterwards', () => {
    const path = imageFile(8192);
    const b = new FileBlockBackend(path);
    b.write(4095, Uint8Array.of(0xaa, 0xbb));
    expect(readFileSync(path)[4095]).toBe(image(8192, 0)[4095]);
    b.close();
    const after = readFileSync(path);
    expect(after[4095]).toBe(0xaa);
    expect(after[4096]).toBe(0xbb);
    expect(after.length).toBe(8192);
    expect(() => b.read(0, new Uint8Array(1))).toThrow(/closed/);
    b.close(); // idempotent
  });

  it('writes back early when the cache exceeds maxDirtyBytes, losing nothing', () => {
    const path = imageFile(65536);
    const b = new FileBlockBackend(path, { maxDirtyBytes: 8192 });
    const data = image(20000, 9);
    b.write(0, data);
    expect(b.dirtyBytes).toBeLessThanOrEqual(8192);
    b.close();
    expect(readFileSync(path).subarray(0, 20000)).toEqual(Buffer.from(data));
  });

  it('handles an image whose size is not a multiple of the cache block', () => {
    const path = imageFile(5000);
    const b = new FileBlockBackend(path);
    b.write(4990, image(10, 1));
    b.close();
    expect(readFileSync(path).length).toBe(5000);
    expect(readFileSync(path).subarray(4990)).toEqual(Buffer.from(image(10, 1)));
  });

  it('readOnly refuses writes and names the file; open errors name the file', () => {
    const path = imageFile(4096);
    const b = new FileBlockBackend(path, { readOnly: true });
    expect(b.readOnly).toBe(true);
    expect(() => b.write(0, Uint8Array.of(1))).toThrow(path);
    b.close();
    const missing = join(tempDir(), 'missing.img');
    expect(() => new FileBlockBackend(missing)).toThrow(BlockBackendError);
    expect(() => new FileBlockBackend(missing)).toThrow(missing);
    expect(() => b.read(0, new Uint8Array(1))).toThrow(path);
  });
});

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
