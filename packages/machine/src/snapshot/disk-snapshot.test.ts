import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileBlockBackend, MemoryBlockBackend, OverlayBlockBackend, type BlockBackend } from '@vm/devices';
import { captureDisk, loadDiskInto, openDisk } from './disk-snapshot.js';
import { tempDir } from './test-support/kernel-board.js';

const SIZE = 1 << 20;
const contents = (b: BlockBackend): Uint8Array => {
  const out = new Uint8Array(b.size);
  b.read(0, out);
  return out;
};

const same = (a: BlockBackend, b: BlockBackend): boolean => Buffer.from(contents(a)).equals(Buffer.from(contents(b)));

describe('disk contents in checkpoints', () => {
  it('memory disk: nonzero chunks only; restores and rewinds', () => {
    const d = new MemoryBlockBackend(SIZE);
    d.write(70_000, Uint8Array.of(1, 2, 3));
    const s = captureDisk(d);
    expect(s.kind === 'memory' && s.data.chunks.map((c) => c.index)).toEqual([1]);
    expect(same(openDisk(s, 'disk 0'), d)).toBe(true);
    d.write(500_000, Uint8Array.of(9));
    loadDiskInto(d, s, 'disk 0', false);
    expect(contents(d)[500_000]).toBe(0);
  });

  it('overlay over a file: the overlay blocks travel, the base is named by path and hash', () => {
    const path = join(tempDir(), 'base.img');
    writeFileSync(path, new Uint8Array(SIZE).fill(7));
    const o = new OverlayBlockBackend(new FileBlockBackend(path, { readOnly: true }));
    o.write(200_000, Uint8Array.of(1, 2));
    const s = captureDisk(o);
    expect(s.kind).toBe('overlay');
    expect(s.kind === 'overlay' && s.base.kind).toBe('file');
    expect(s.kind === 'overlay' && s.data.chunks.map((c) => c.index)).toEqual([3]);
    const back = openDisk(s, 'disk 0');
    expect(same(back, o)).toBe(true);
    o.write(900_000, Uint8Array.of(5));
    loadDiskInto(o, s, 'disk 0', false);
    expect(same(o, back)).toBe(true);
    writeFileSync(path, new Uint8Array(SIZE).fill(8));
    expect(() => openDisk(s, 'disk 0')).toThrow(/disk 0 \(overlay base\): .*base\.img changed since the snapshot/);
  });

  it('file disk: flushed, then checked by size and hash', () => {
    const path = join(tempDir(), 'disk.img');
    writeFileSync(path, new Uint8Array(SIZE));
    const f = new FileBlockBackend(path);
    f.write(10, Uint8Array.of(42));
    const s = captureDisk(f);
    f.close();
    expect(s.kind === 'file' && s.path).toBe(path);
    expect(contents(openDisk(s, 'disk 1'))[10]).toBe(42);
    writeFileSync(path, new Uint8Array(SIZE / 2));
    expect(() => openDisk(s, 'disk 1')).toThrow(/disk 1: .*disk\.img is 524288 bytes, the snapshot recorded 1048576/);
  });
});
