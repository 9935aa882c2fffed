import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { ConfigError } from '@vm/core';
import { BlockBackendError, checkRange, type BlockBackend } from './backend.js';

export interface FileBlockBackendOptions {
  /** Open the image O_RDONLY; writes are refused (virtio-blk offers VIRTIO_BLK_F_RO). */
  readonly readOnly?: boolean;
  /** Granularity of the write-back cache in bytes (power of two, default 4096). */
  readonly cacheBlockSize?: number;
  /**
   * Dirty bytes held before they are written back to the file without waiting for flush()
   * (default 64 MiB); bounds host memory for guests that never flush. Nothing is ever dropped.
   */
  readonly maxDirtyBytes?: number;
}

const DEFAULT_CACHE_BLOCK = 4096;
const DEFAULT_MAX_DIRTY = 64 << 20;

/**
 * A raw disk image in a host file. Reads are positional (pread); writes go to a write-back cache
 * of dirty blocks that reaches the file on flush(), on close(), or when the cache exceeds
 * `maxDirtyBytes`. A guest that issues VIRTIO_BLK_T_FLUSH (or a host that calls close() at exit)
 * therefore never loses data, and the file is not touched between flushes.
 */
export class FileBlockBackend implements BlockBackend {
  readonly size: number;
  readonly readOnly: boolean;
  private fd: number | undefined;
  private readonly blockSize: number;
  private readonly maxDirty: number;
  /** Dirty cache blocks by block index; each holds the block's full current contents. */
  private readonly dirty = new Map<number, Uint8Array>();

  constructor(
    readonly path: string,
    options: FileBlockBackendOptions = {},
  ) {
    this.readOnly = options.readOnly ?? false;
    this.blockSize = options.cacheBlockSize ?? DEFAULT_CACHE_BLOCK;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 512 || (this.blockSize & (this.blockSize - 1)) !== 0) {
      throw new ConfigError(`cacheBlockSize must be a power of two ≥ 512, got ${this.blockSize}`);
    }
    this.maxDirty = options.maxDirtyBytes ?? DEFAULT_MAX_DIRTY;
    const fd = this.io(() => openSync(path, this.readOnly ? 'r' : 'r+'));
    try {
      this.size = this.io(() => fstatSync(fd).size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
  }

  /** Bytes written by the guest but not yet in the file. */
  get dirtyBytes(): number {
    let n = 0;
    for (const b of this.dirty.values()) n += b.length;
    return n;
  }

  read(offset: number, into: Uint8Array): void {
    const fd = this.openFd();
    checkRange(this.path, this.size, offset, into.length);
    const end = offset + into.length;
    let pos = offset;
    while (pos < end) {
      const block = Math.floor(pos / this.blockSize);
      const cached = this.dirty.get(block);
      if (cached) {
        const blockStart = block * this.blockSize;
        const n = Math.min(end, blockStart + cached.length) - pos;
        into.set(cached.subarray(pos - blockStart, pos - blockStart + n), pos - offset);
        pos += n;
        continue;
      }
      // Coalesce the run of clean blocks into one positional read.
      let runEnd = Math.min(end, (block + 1) * this.blockSize);
      while (runEnd < end && !this.dirty.has(runEnd / this.blockSize)) {
        runEnd = Math.min(end, runEnd + this.blockSize);
      }
      this.preadFully(fd, into, pos - offset, runEnd - pos, pos);
      pos = runEnd;
    }
  }

  write(offset: number, data: Uint8Array): void {
    const fd = this.openFd();
    if (this.readOnly) throw new BlockBackendError(this.path, 'image is opened read-only');
    checkRange(this.path, this.size, offset, data.length);
    const end = offset + data.length;
    let pos = offset;
    while (pos < end) {
      const block = Math.floor(pos / this.blockSize);
      const blockStart = block * this.blockSize;
      const blockLen = Math.min(this.blockSize, this.size - blockStart);
      let cached = this.dirty.get(block);
      const n = Math.min(end, blockStart + blockLen) - pos;
      if (!cached) {
        cached = new Uint8Array(blockLen);
        // Read-modify-write unless the write covers the whole block.
        if (n !== blockLen) this.preadFully(fd, cached, 0, blockLen, blockStart);
        this.dirty.set(block, cached);
      }
      cached.set(data.subarray(pos - offset, pos - offset + n), pos - blockStart);
      pos += n;
    }
    if (this.dirty.size * this.blockSize > this.maxDirty) this.writeBack(fd);
  }

  flush(): void {
    const fd = this.openFd();
    if (this.readOnly) return;
    this.writeBack(fd);
    this.io(() => fsyncSync(fd));
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      const fd = this.fd;
      this.fd = undefined;
      this.io(() => closeSync(fd));
    }
  }

  /** Write every dirty block to the file in ascending order, then forget them. */
  private writeBack(fd: number): void {
    const blocks = [...this.dirty.keys()].sort((a, b) => a - b);
    for (const block of blocks) {
      const data = this.dirty.get(block)!;
      let done = 0;
      while (done < data.length) {
        const at = done;
        done += this.io(() => writeSync(fd, data, at, data.length - at, block * this.blockSize + at));
      }
      this.dirty.delete(block);
    }
  }

  private preadFully(fd: number, into: Uint8Array, intoOffset: number, length: number, position: number): void {
    let done = 0;
    while (done < length) {
      const at = done;
      const n = this.io(() => readSync(fd, into, intoOffset + at, length - at, position + at));
      if (n === 0) throw new BlockBackendError(this.path, `unexpected end of file at ${position + done}`);
      done += n;
    }
  }

  private openFd(): number {
    if (this.fd === undefined) throw new BlockBackendError(this.path, 'backend is closed');
    return this.fd;
  }

  /** Run a node:fs call, naming the file in any error. */
  private io<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof BlockBackendError) throw e;
      throw new BlockBackendError(this.path, e instanceof Error ? e.message : String(e));
    }
  }
}
