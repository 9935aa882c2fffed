import { ConfigError, GuestMemoryError, type GuestMemory } from '@vm/core';

/** The most RAM one Ram holds: it is one typed array, and V8's largest is 4 GiB. */
export const MAX_RAM_BYTES = 2 ** 32;

/** See Ram.writeWatchers. */
export type RamWriteWatcher = (bufferOffset: number, length: number) => void;

const watchersByBuffer = new WeakMap<ArrayBufferLike, RamWriteWatcher[]>();

function watchersOf(buffer: ArrayBufferLike): RamWriteWatcher[] {
  let ws = watchersByBuffer.get(buffer);
  if (ws === undefined) {
    ws = [];
    watchersByBuffer.set(buffer, ws);
  }
  return ws;
}

/**
 * Guest RAM: one contiguous block of physical memory at `base`. Little-endian, as RISC-V is.
 * Exposes typed views so the hart's fast path can load and store without a call through the bus.
 */
export class Ram implements GuestMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly end: number;
  /**
   * Told (byte offset in the underlying ArrayBuffer, length) before bytes change through any Ram
   * over that buffer — writes, loads, any live `slice` (a device may write through it: DMA), and
   * bus writes — so a code translator can drop stale translations. Shared by every Ram on the same
   * buffer: a VM's RAM window aliases its host's memory, and a store through either must be seen
   * by a translator attached to the other. Stores by a hart's own fast path do not come here.
   */
  readonly writeWatchers: RamWriteWatcher[];
  /** This RAM's first byte, as an offset in the underlying buffer. */
  readonly bufferOffset: number;

  /**
   * `backing`, when given, is the memory to use (exactly `size` bytes): a hypervisor gives each VM
   * a window of its own RAM this way, so guest-physical RAM aliases the VM's host partition.
   */
  constructor(
    readonly base: number,
    readonly size: number,
    backing?: Uint8Array,
  ) {
    if (!Number.isInteger(size) || size <= 0 || size % 4096 !== 0) {
      throw new RangeError(`RAM size must be a positive multiple of 4 KiB, got ${size}`);
    }
    if (backing === undefined && size > MAX_RAM_BYTES) {
      throw new ConfigError(`RAM of ${Math.ceil(size / 2 ** 20)} MiB: at most ${MAX_RAM_BYTES / 2 ** 20} MiB in one block in this build (guest RAM, and with a hypervisor the guests' RAM and its own, are one typed array)`);
    }
    if (backing !== undefined && backing.length !== size) {
      throw new RangeError(`RAM backing has ${backing.length} bytes, expected ${size}`);
    }
    try {
      this.bytes = backing ?? new Uint8Array(size);
    } catch (e) {
      throw new ConfigError(`RAM of ${Math.ceil(size / 2 ** 20)} MiB: the host cannot give it (${e instanceof Error ? e.message : String(e)})`);
    }
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, size);
    this.end = base + size;
    this.writeWatchers = watchersOf(this.bytes.buffer);
    this.bufferOffset = this.bytes.byteOffset;
  }

  /** Tell the write watchers that RAM bytes [offset, offset + length) are about to change. */
  noteWrite(offset: number, length: number): void {
    const ws = this.writeWatchers;
    for (let i = 0; i < ws.length; i++) ws[i]!(this.bufferOffset + offset, length);
  }

  contains(addr: number, length: number): boolean {
    return addr >= this.base && length >= 0 && addr + length <= this.end;
  }

  private offsetOf(addr: number, length: number): number {
    if (!this.contains(addr, length)) throw new GuestMemoryError(addr, length);
    return addr - this.base;
  }

  /** The offset of a range about to be written, after telling the watchers. */
  private writeOffset(addr: number, length: number): number {
    const o = this.offsetOf(addr, length);
    if (this.writeWatchers.length !== 0) this.noteWrite(o, length);
    return o;
  }

  slice(addr: number, length: number): Uint8Array {
    const o = this.writeOffset(addr, length);
    return this.bytes.subarray(o, o + length);
  }
  read8(addr: number): number {
    return this.bytes[this.offsetOf(addr, 1)]!;
  }
  read16(addr: number): number {
    return this.view.getUint16(this.offsetOf(addr, 2), true);
  }
  read32(addr: number): number {
    return this.view.getUint32(this.offsetOf(addr, 4), true);
  }
  read64(addr: number): bigint {
    return this.view.getBigUint64(this.offsetOf(addr, 8), true);
  }
  write8(addr: number, value: number): void {
    this.bytes[this.writeOffset(addr, 1)] = value;
  }
  write16(addr: number, value: number): void {
    this.view.setUint16(this.writeOffset(addr, 2), value, true);
  }
  write32(addr: number, value: number): void {
    this.view.setUint32(this.writeOffset(addr, 4), value >>> 0, true);
  }
  write64(addr: number, value: bigint): void {
    this.view.setBigUint64(this.writeOffset(addr, 8), BigInt.asUintN(64, value), true);
  }
  /** Copy an image into RAM (loaders); throws GuestMemoryError when it does not fit. */
  load(addr: number, data: Uint8Array): void {
    this.bytes.set(data, this.writeOffset(addr, data.length));
  }
}
