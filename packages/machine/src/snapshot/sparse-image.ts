import type { Ram } from '@vm/mmu';

/** Granularity of RAM and disk images in a checkpoint: 64 KiB chunks. */
export const CHUNK_SIZE = 64 * 1024;

/** One stored chunk: its index (offset / chunkSize) and its bytes (shorter only at the image's end). */
export interface ImageChunk {
  readonly index: number;
  readonly data: Uint8Array;
}

/**
 * A byte image of `size` bytes kept as the chunks that differ from a default — zero for RAM and
 * memory disks, the base image for an overlay disk. Chunks are sorted by index.
 */
export interface SparseImage {
  readonly size: number;
  readonly chunkSize: number;
  readonly chunks: readonly ImageChunk[];
}

const ZEROS = Buffer.alloc(CHUNK_SIZE);

/** True when every byte of `bytes` is zero (memcmp against a zero block). */
export function isZero(bytes: Uint8Array): boolean {
  for (let at = 0; at < bytes.length; at += ZEROS.length) {
    const n = Math.min(ZEROS.length, bytes.length - at);
    if (Buffer.compare(Buffer.from(bytes.buffer, bytes.byteOffset + at, n), ZEROS.subarray(0, n)) !== 0) return false;
  }
  return true;
}

/** Copy the nonzero chunks of `bytes`. */
export function sparseFromBytes(bytes: Uint8Array, chunkSize = CHUNK_SIZE): SparseImage {
  const chunks: ImageChunk[] = [];
  for (let at = 0, index = 0; at < bytes.length; at += chunkSize, index++) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + chunkSize));
    if (!isZero(part)) chunks.push({ index, data: part.slice() });
  }
  return { size: bytes.length, chunkSize, chunks };
}

/**
 * The nonzero chunks of guest RAM: only its committed stretches are read (see @vm/mmu
 * RAM_CHUNK_SIZE), so a large, mostly untouched RAM is captured in time and space proportional to
 * what the guest wrote. The image is the same as sparseFromBytes over the whole RAM.
 */
export function sparseFromRam(ram: Ram, chunkSize = CHUNK_SIZE): SparseImage {
  const chunks: ImageChunk[] = [];
  let next = 0; // first image chunk not yet looked at (committed stretches may share one)
  for (const [from, length] of ram.committedRanges()) {
    const last = Math.floor((from + length - 1) / chunkSize);
    for (let index = Math.max(next, Math.floor(from / chunkSize)); index <= last; index++) {
      const part = ram.copyOut(ram.base + index * chunkSize, chunkLength(ram.size, chunkSize, index));
      if (!isZero(part)) chunks.push({ index, data: part });
    }
    next = last + 1;
  }
  return { size: ram.size, chunkSize, chunks };
}

/** Write the image's chunks into guest RAM (which holds zero or, for 'keep', the contents). */
export function applySparseToRam(image: SparseImage, ram: Ram): void {
  for (const c of image.chunks) ram.load(ram.base + c.index * image.chunkSize, c.data);
}

/** Write the image's chunks over `into` (which holds the default contents). */
export function applySparse(image: SparseImage, into: Uint8Array): void {
  for (const c of image.chunks) into.set(c.data, c.index * image.chunkSize);
}

/** The whole image with zero as the default. */
export function bytesFromSparse(image: SparseImage): Uint8Array {
  const out = new Uint8Array(image.size);
  applySparse(image, out);
  return out;
}

/** Byte length of chunk `index` in an image of `size` bytes. */
export function chunkLength(size: number, chunkSize: number, index: number): number {
  return Math.max(0, Math.min(chunkSize, size - index * chunkSize));
}
