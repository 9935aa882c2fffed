import { ConfigError } from '@vm/core';
import { BlockBackendError, checkRange, type BlockBackend } from './backend.js';

export interface MemoryBlockBackendOptions {
  readonly readOnly?: boolean;
}

/** A block image held in host memory: a disk for tests, scratch disks and small ramdisks. */
export class MemoryBlockBackend implements BlockBackend {
  /** The live image; callers may inspect it (tests) or seed it before the guest starts. */
  readonly bytes: Uint8Array;
  readonly readOnly: boolean;
  private closed = false;

  /** `image` is used in place (not copied); a number allocates a zeroed image of that many bytes. */
  constructor(image: Uint8Array | number, options: MemoryBlockBackendOptions = {}) {
    if (typeof image === 'number') {
      if (!Number.isSafeInteger(image) || image < 0) throw new ConfigError(`bad image size ${image}`);
      this.bytes = new Uint8Array(image);
    } else {
      this.bytes = image;
    }
    this.readOnly = options.readOnly ?? false;
  }

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, into: Uint8Array): void {
    this.checkOpen();
    checkRange('memory', this.size, offset, into.length);
    into.set(this.bytes.subarray(offset, offset + into.length));
  }

  write(offset: number, data: Uint8Array): void {
    this.checkOpen();
    if (this.readOnly) throw new BlockBackendError('memory', 'image is read-only');
    checkRange('memory', this.size, offset, data.length);
    this.bytes.set(data, offset);
  }

  flush(): void {
    this.checkOpen();
  }

  close(): void {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new BlockBackendError('memory', 'backend is closed');
  }
}
