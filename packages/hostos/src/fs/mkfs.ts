import { MemoryBlockBackend } from '@vm/devices';
import { BLOCK_SIZE } from './layout.js';
import { SimpleFs } from './simple-fs.js';

/** A file to put into a new file system image. */
export interface MkfsFile {
  /** Absolute path; missing parent directories are created. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface MkfsOptions {
  /** Image size in bytes (default 32 MiB). */
  readonly size?: number;
  readonly inodes?: number;
  readonly files?: readonly MkfsFile[];
}

/** Character devices every image gets under /dev: [name, major, minor]. */
export const DEVICE_NODES: readonly (readonly [string, number, number])[] = [
  ['console', 5, 1],
  ['null', 1, 3],
  ['vmm', 10, 232],
];

/** Build a disk image holding a fresh file system with /bin, /dev, /tmp and the given files. */
export function mkfs(options: MkfsOptions = {}): Uint8Array {
  const size = Math.ceil((options.size ?? 32 << 20) / BLOCK_SIZE) * BLOCK_SIZE;
  const disk = new MemoryBlockBackend(size);
  const fs = SimpleFs.format(disk, options.inodes ?? 1024);
  for (const d of ['/bin', '/dev', '/tmp', '/images']) fs.create(d, 'dir');
  for (const [name, major, minor] of DEVICE_NODES) fs.create(`/dev/${name}`, 'chardev', major, minor);
  for (const f of options.files ?? []) {
    const parts = f.path.split('/').filter((p) => p !== '');
    for (let i = 1; i < parts.length; i++) {
      const dir = '/' + parts.slice(0, i).join('/');
      if (fs.lookup(dir) === undefined) fs.create(dir, 'dir');
    }
    const inode = fs.create(f.path, 'file');
    fs.write(inode, 0, f.bytes);
  }
  return disk.bytes;
}
