import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockBackendError } from './backend.js';
import { FileBlockBackend } from './file.js';
import { cleanTempDirs, image, imageFile, tempDir } from './test-support/temp.js';

cleanTempDirs();

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

