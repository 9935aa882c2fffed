import type { BlockBackend } from '@vm/devices';
import { Inode } from './inode.js';
import {
  BLOCK_SIZE,
  DIRECT_BLOCKS,
  DIRENT_SIZE,
  INODE_SIZE,
  INODES_PER_BLOCK,
  NAME_MAX,
  POINTERS_PER_BLOCK,
  ROOT_INODE,
  decodeSuperblock,
  encodeSuperblock,
  type InodeType,
  type Superblock,
} from './layout.js';

export interface DirEntry {
  readonly name: string;
  readonly inode: number;
}

/** Why a file-system operation failed, in errno terms. */
export class FsError extends Error {
  constructor(
    readonly code: 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOSPC' | 'ENAMETOOLONG' | 'EIO',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The host file system on a block device (format in layout.ts): block and inode allocation,
 * file data through direct / indirect / double-indirect blocks, directories and path lookup.
 */
export class SimpleFs {
  readonly sb: Superblock;
  blockReads = 0;
  blockWrites = 0;

  constructor(private readonly disk: BlockBackend) {
    const sb = decodeSuperblock(this.readBlock(0));
    if (sb === undefined) throw new FsError('EIO', 'no VMFS superblock on the disk');
    this.sb = sb;
  }

  /** Write an empty file system (root directory only) over the whole device. */
  static format(disk: BlockBackend, inodes = 1024): SimpleFs {
    const blocks = Math.floor(disk.size / BLOCK_SIZE);
    const bitmapBlocks = Math.ceil(blocks / (BLOCK_SIZE * 8));
    const inodeBlocks = Math.ceil((inodes + 1) / INODES_PER_BLOCK);
    const sb: Superblock = { blocks, inodes, bitmapStart: 1, bitmapBlocks, inodeStart: 1 + bitmapBlocks, inodeBlocks, dataStart: 1 + bitmapBlocks + inodeBlocks };
    const zero = new Uint8Array(BLOCK_SIZE);
    for (let b = 0; b < sb.dataStart; b++) disk.write(b * BLOCK_SIZE, zero);
    disk.write(0, encodeSuperblock(sb));
    const fs = new SimpleFs(disk);
    for (let b = 0; b < sb.dataStart; b++) fs.setBit(b, true);
    const root = new Inode(ROOT_INODE);
    root.type = 'dir';
    root.links = 2;
    fs.putInode(root);
    fs.addEntry(root, '.', ROOT_INODE);
    fs.addEntry(root, '..', ROOT_INODE);
    return fs;
  }

  // ------------------------------------------------------------------ blocks

  readBlock(n: number): Uint8Array {
    const b = new Uint8Array(BLOCK_SIZE);
    this.disk.read(n * BLOCK_SIZE, b);
    this.blockReads++;
    return b;
  }

  writeBlock(n: number, data: Uint8Array, offset = 0): void {
    this.disk.write(n * BLOCK_SIZE + offset, data);
    this.blockWrites++;
  }

  private setBit(block: number, used: boolean): void {
    const bitsPerBlock = BLOCK_SIZE * 8;
    const bm = this.sb.bitmapStart + Math.floor(block / bitsPerBlock);
    const data = this.readBlock(bm);
    const i = block % bitsPerBlock;
    if (used) data[i >> 3]! |= 1 << (i & 7);
    else data[i >> 3]! &= ~(1 << (i & 7));
    this.writeBlock(bm, data.subarray(i >> 3, (i >> 3) + 1), i >> 3);
  }

  private allocBlock(): number {
    const bitsPerBlock = BLOCK_SIZE * 8;
    for (let k = 0; k < this.sb.bitmapBlocks; k++) {
      const data = this.readBlock(this.sb.bitmapStart + k);
      for (let byte = 0; byte < BLOCK_SIZE; byte++) {
        if (data[byte] === 0xff) continue;
        for (let bit = 0; bit < 8; bit++) {
          const block = k * bitsPerBlock + byte * 8 + bit;
          if (block >= this.sb.blocks) throw new FsError('ENOSPC', 'no free block');
          if ((data[byte]! & (1 << bit)) === 0) {
            this.setBit(block, true);
            this.writeBlock(block, new Uint8Array(BLOCK_SIZE));
            return block;
          }
        }
      }
    }
    throw new FsError('ENOSPC', 'no free block');
  }

  private freeBlock(block: number): void {
    if (block !== 0) this.setBit(block, false);
  }

  // ------------------------------------------------------------------ inodes

  getInode(n: number): Inode {
    if (n < 1 || n > this.sb.inodes) throw new FsError('EIO', `bad inode number ${n}`);
    const blk = this.sb.inodeStart + Math.floor(n / INODES_PER_BLOCK);
    return Inode.decode(n, this.readBlock(blk), (n % INODES_PER_BLOCK) * INODE_SIZE);
  }

  putInode(inode: Inode): void {
    const rec = new Uint8Array(INODE_SIZE);
    inode.encode(rec, 0);
    const blk = this.sb.inodeStart + Math.floor(inode.number / INODES_PER_BLOCK);
    this.writeBlock(blk, rec, (inode.number % INODES_PER_BLOCK) * INODE_SIZE);
  }

  private allocInode(type: InodeType): Inode {
    for (let n = ROOT_INODE + 1; n <= this.sb.inodes; n++) {
      const i = this.getInode(n);
      if (i.type === 'free') {
        const fresh = new Inode(n);
        fresh.type = type;
        fresh.links = 1;
        this.putInode(fresh);
        return fresh;
      }
    }
    throw new FsError('ENOSPC', 'no free inode');
  }

  // ------------------------------------------------------------------ file data

  /** Disk block holding byte `index * BLOCK_SIZE` of the file; 0 for a hole unless `create`. */
  private blockOf(inode: Inode, index: number, create: boolean): number {
    if (index < DIRECT_BLOCKS) {
      if (inode.direct[index] === 0 && create) {
        inode.direct[index] = this.allocBlock();
        this.putInode(inode);
      }
      return inode.direct[index]!;
    }
    index -= DIRECT_BLOCKS;
    if (index < POINTERS_PER_BLOCK) {
      if (inode.indirect === 0) {
        if (!create) return 0;
        inode.indirect = this.allocBlock();
        this.putInode(inode);
      }
      return this.pointer(inode.indirect, index, create);
    }
    index -= POINTERS_PER_BLOCK;
    if (index >= POINTERS_PER_BLOCK * POINTERS_PER_BLOCK) throw new FsError('ENOSPC', 'file too large');
    if (inode.doubleIndirect === 0) {
      if (!create) return 0;
      inode.doubleIndirect = this.allocBlock();
      this.putInode(inode);
    }
    const mid = this.pointer(inode.doubleIndirect, Math.floor(index / POINTERS_PER_BLOCK), create);
    if (mid === 0) return 0;
    return this.pointer(mid, index % POINTERS_PER_BLOCK, create);
  }

  private pointer(table: number, slot: number, create: boolean): number {
    const data = this.readBlock(table);
    const v = new DataView(data.buffer);
    let p = v.getUint32(slot * 4, true);
    if (p === 0 && create) {
      p = this.allocBlock();
      const rec = new Uint8Array(4);
      new DataView(rec.buffer).setUint32(0, p, true);
      this.writeBlock(table, rec, slot * 4);
    }
    return p;
  }

  /** Read up to `into.length` bytes at `offset`; returns the count (0 at end of file). */
  read(inode: Inode, offset: number, into: Uint8Array): number {
    const end = Math.min(inode.size, offset + into.length);
    let pos = offset;
    while (pos < end) {
      const within = pos % BLOCK_SIZE;
      const n = Math.min(BLOCK_SIZE - within, end - pos);
      const blk = this.blockOf(inode, Math.floor(pos / BLOCK_SIZE), false);
      if (blk === 0) into.fill(0, pos - offset, pos - offset + n);
      else {
        const part = new Uint8Array(n);
        this.disk.read(blk * BLOCK_SIZE + within, part);
        this.blockReads++;
        into.set(part, pos - offset);
      }
      pos += n;
    }
    return Math.max(0, end - offset);
  }

  /** Write `data` at `offset`, growing the file; returns the count. */
  write(inode: Inode, offset: number, data: Uint8Array): number {
    let pos = offset;
    const end = offset + data.length;
    while (pos < end) {
      const within = pos % BLOCK_SIZE;
      const n = Math.min(BLOCK_SIZE - within, end - pos);
      const blk = this.blockOf(inode, Math.floor(pos / BLOCK_SIZE), true);
      this.writeBlock(blk, data.subarray(pos - offset, pos - offset + n), within);
      pos += n;
    }
    if (end > inode.size) {
      inode.size = end;
      this.putInode(inode);
    }
    return data.length;
  }

  /** Drop every data block (O_TRUNC). */
  truncate(inode: Inode): void {
    const blocks = Math.ceil(inode.size / BLOCK_SIZE);
    for (let i = 0; i < blocks; i++) this.freeBlock(this.blockOf(inode, i, false));
    if (inode.indirect !== 0) this.freeBlock(inode.indirect);
    if (inode.doubleIndirect !== 0) {
      for (let i = 0; i < POINTERS_PER_BLOCK; i++) this.freeBlock(this.pointer(inode.doubleIndirect, i, false));
      this.freeBlock(inode.doubleIndirect);
    }
    inode.direct.fill(0);
    inode.indirect = inode.doubleIndirect = 0;
    inode.size = 0;
    this.putInode(inode);
  }

  // ------------------------------------------------------------------ directories

  entries(dir: Inode): DirEntry[] {
    if (dir.type !== 'dir') throw new FsError('ENOTDIR', `inode ${dir.number} is not a directory`);
    const raw = new Uint8Array(dir.size);
    this.read(dir, 0, raw);
    const out: DirEntry[] = [];
    const v = new DataView(raw.buffer);
    for (let o = 0; o + DIRENT_SIZE <= raw.length; o += DIRENT_SIZE) {
      const ino = v.getUint32(o, true);
      if (ino === 0) continue;
      const len = raw[o + 4]!;
      out.push({ name: Buffer.from(raw.subarray(o + 6, o + 6 + len)).toString('utf8'), inode: ino });
    }
    return out;
  }

  addEntry(dir: Inode, name: string, inode: number): void {
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > NAME_MAX) throw new FsError('ENAMETOOLONG', name);
    const rec = new Uint8Array(DIRENT_SIZE);
    new DataView(rec.buffer).setUint32(0, inode, true);
    rec[4] = nameBytes.length;
    rec.set(nameBytes, 6);
    this.write(dir, dir.size, rec);
  }

  /** The inode of an absolute path, or undefined. */
  lookup(path: string): Inode | undefined {
    let cur = this.getInode(ROOT_INODE);
    for (const part of path.split('/').filter((p) => p !== '' && p !== '.')) {
      if (cur.type !== 'dir') return undefined;
      const e = this.entries(cur).find((d) => d.name === part);
      if (e === undefined) return undefined;
      cur = this.getInode(e.inode);
    }
    return cur;
  }

  /** Create `path` (its parent must exist). */
  create(path: string, type: InodeType, major = 0, minor = 0): Inode {
    const parts = path.split('/').filter((p) => p !== '');
    const name = parts.pop();
    if (name === undefined) throw new FsError('EEXIST', '/');
    const parent = this.lookup('/' + parts.join('/'));
    if (parent === undefined) throw new FsError('ENOENT', `no directory for ${path}`);
    if (parent.type !== 'dir') throw new FsError('ENOTDIR', path);
    if (this.entries(parent).some((e) => e.name === name)) throw new FsError('EEXIST', path);
    const inode = this.allocInode(type);
    inode.major = major;
    inode.minor = minor;
    if (type === 'dir') {
      inode.links = 2;
      this.putInode(inode);
      this.addEntry(inode, '.', inode.number);
      this.addEntry(inode, '..', parent.number);
    } else this.putInode(inode);
    this.addEntry(parent, name, inode.number);
    return inode;
  }

  /** Whole-file read, for the program loader. */
  readAll(inode: Inode): Uint8Array {
    const b = new Uint8Array(inode.size);
    this.read(inode, 0, b);
    return b;
  }
}
