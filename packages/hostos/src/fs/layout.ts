/**
 * The on-disk format of the host file system ("VMFS1"), little-endian, 4 KiB blocks:
 *
 *   block 0                 superblock
 *   [bitmapStart, +n)       block bitmap, one bit per block (1 = used)
 *   [inodeStart, +m)        inode table, INODE_SIZE bytes per inode, inode 0 unused, 1 = root
 *   [dataStart, blocks)     file, directory and indirect blocks
 */
export const BLOCK_SIZE = 4096;
export const FS_MAGIC = 0x3153_4d56; // "VMS1"
export const INODE_SIZE = 128;
export const INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE;
export const ROOT_INODE = 1;
export const DIRECT_BLOCKS = 12;
export const POINTERS_PER_BLOCK = BLOCK_SIZE / 4;
/** Directory entry: inode u32, name length u8, type u8, name (58 bytes). */
export const DIRENT_SIZE = 64;
export const NAME_MAX = DIRENT_SIZE - 6;

export type InodeType = 'free' | 'file' | 'dir' | 'chardev';
export const TYPE_CODE: Record<InodeType, number> = { free: 0, file: 1, dir: 2, chardev: 3 };
export const TYPE_OF: readonly InodeType[] = ['free', 'file', 'dir', 'chardev'];

export interface Superblock {
  readonly blocks: number;
  readonly inodes: number;
  readonly bitmapStart: number;
  readonly bitmapBlocks: number;
  readonly inodeStart: number;
  readonly inodeBlocks: number;
  readonly dataStart: number;
}

export function encodeSuperblock(s: Superblock): Uint8Array {
  const b = new Uint8Array(BLOCK_SIZE);
  const v = new DataView(b.buffer);
  const fields = [FS_MAGIC, s.blocks, s.inodes, s.bitmapStart, s.bitmapBlocks, s.inodeStart, s.inodeBlocks, s.dataStart];
  fields.forEach((f, i) => v.setUint32(i * 4, f, true));
  return b;
}

export function decodeSuperblock(b: Uint8Array): Superblock | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  if (v.getUint32(0, true) !== FS_MAGIC) return undefined;
  const f = (i: number): number => v.getUint32(i * 4, true);
  return { blocks: f(1), inodes: f(2), bitmapStart: f(3), bitmapBlocks: f(4), inodeStart: f(5), inodeBlocks: f(6), dataStart: f(7) };
}
