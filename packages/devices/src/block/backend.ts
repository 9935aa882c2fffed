import { VmError } from '@vm/core';

/**
 * Storage behind a block device (Firecracker's `DiskProperties`/cloud-hypervisor's `DiskFile` in
 * spirit): a flat, byte-addressed image of fixed size. Calls are synchronous — the emulator runs
 * device work on the vCPU thread, as QEMU does for a virtqueue kick without an iothread.
 */
export interface BlockBackend {
  /** Image size in bytes (fixed for the life of the backend). */
  readonly size: number;
  /** True when writes are refused; virtio-blk then offers VIRTIO_BLK_F_RO. */
  readonly readOnly: boolean;
  /** Fill `into` with the bytes at [offset, offset + into.length); throws on a range outside the image. */
  read(offset: number, into: Uint8Array): void;
  /** Store `data` at offset; throws BlockBackendError when read-only or out of range. */
  write(offset: number, data: Uint8Array): void;
  /** Make every completed write durable (a virtio-blk FLUSH lands here). */
  flush(): void;
  /** Flush and release resources; the backend is unusable afterwards. */
  close(): void;
}

/** A block I/O failure; names the image (file path or `memory`). */
export class BlockBackendError extends VmError {
  override name = 'BlockBackendError';
  constructor(
    readonly image: string,
    problem: string,
  ) {
    super(`${image}: ${problem}`);
  }
}

/** Throws unless [offset, offset + length) lies inside an image of `size` bytes. */
export function checkRange(image: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > size) {
    throw new BlockBackendError(image, `access at ${offset}+${length} is outside the ${size}-byte image`);
  }
}
