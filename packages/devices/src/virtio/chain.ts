import type { GuestMemory } from '@vm/core';

/** One guest buffer of a descriptor chain: guest-physical address and length (virtio 1.2 §2.7.5). */
export interface Segment {
  readonly addr: number;
  readonly len: number;
}

/**
 * A descriptor chain popped from the available ring (virtio 1.2 §2.7.5), flattened: direct and
 * indirect descriptors resolved, split into the device-readable part (driver → device) followed by
 * the device-writable part (device → driver), as §2.7.4.2 requires. Offsets below count bytes
 * across the concatenated segments of one part. Every segment was checked to lie inside RAM.
 */
export class DescriptorChain {
  readonly readableLength: number;
  readonly writableLength: number;

  constructor(
    private readonly memory: GuestMemory,
    /** Head descriptor index: the id the device returns in the used ring. */
    readonly head: number,
    readonly readable: readonly Segment[],
    readonly writable: readonly Segment[],
  ) {
    this.readableLength = readable.reduce((n, s) => n + s.len, 0);
    this.writableLength = writable.reduce((n, s) => n + s.len, 0);
  }

  /** Copy `length` device-readable bytes starting at `offset`. */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let at = 0;
    for (const view of this.readableViews(offset, length)) {
      out.set(view, at);
      at += view.length;
    }
    return out;
  }

  /** Copy all device-readable bytes from `offset` to the end. */
  readAll(offset = 0): Uint8Array {
    return this.read(offset, Math.max(0, this.readableLength - offset));
  }

  /** Copy `data` into the device-writable part at `offset`. */
  write(offset: number, data: Uint8Array): void {
    let at = 0;
    for (const view of this.writableViews(offset, data.length)) {
      view.set(data.subarray(at, at + view.length));
      at += view.length;
    }
  }

  /** Live views of guest memory covering readable bytes [offset, offset + length). */
  readableViews(offset: number, length: number): Uint8Array[] {
    return this.views(this.readable, this.readableLength, offset, length, 'readable');
  }

  /** Live views of guest memory covering writable bytes [offset, offset + length). */
  writableViews(offset: number, length: number): Uint8Array[] {
    return this.views(this.writable, this.writableLength, offset, length, 'writable');
  }

  private views(segments: readonly Segment[], total: number, offset: number, length: number, kind: string): Uint8Array[] {
    if (offset < 0 || length < 0 || offset + length > total) {
      throw new RangeError(`${kind} range ${offset}+${length} exceeds the chain's ${total} ${kind} bytes`);
    }
    const out: Uint8Array[] = [];
    let skip = offset;
    let left = length;
    for (const seg of segments) {
      if (left === 0) break;
      if (skip >= seg.len) {
        skip -= seg.len;
        continue;
      }
      const n = Math.min(seg.len - skip, left);
      out.push(...this.memory.views(seg.addr + skip, n));
      skip = 0;
      left -= n;
    }
    return out;
  }
}
