import type { GuestMemory } from '@vm/core';
import { DescriptorChain, type Segment } from './chain.js';
import { hasFeature, VIRTIO_F_RING_EVENT_IDX, VIRTIO_F_RING_INDIRECT_DESC } from './constants.js';
import { VirtioDriverError } from './errors.js';

/** virtio 1.2 §2.7.5 struct virtq_desc: le64 addr, le32 len, le16 flags, le16 next. */
const DESC_SIZE = 16;
const DESC_ADDR = 0;
const DESC_LEN = 8;
const DESC_FLAGS = 12;
const DESC_NEXT = 14;
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;

/** virtio 1.2 §2.7.6 struct virtq_avail: le16 flags, le16 idx, le16 ring[size], le16 used_event. */
const AVAIL_FLAGS = 0;
const AVAIL_IDX = 2;
const AVAIL_RING = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

/** virtio 1.2 §2.7.8 struct virtq_used: le16 flags, le16 idx, {le32 id, le32 len} ring[size], le16 avail_event. */
const USED_IDX = 2;
const USED_RING = 4;
const USED_ELEM_SIZE = 8;
export const VIRTQ_USED_F_NO_NOTIFY = 1;

/** virtio 1.2 §2.7 table "Virtqueue Part Alignment". */
const DESC_ALIGN = 16;
const AVAIL_ALIGN = 2;
const USED_ALIGN = 4;
/** virtio 1.2 §2.7: the maximum Queue Size of a split virtqueue. */
export const VIRTQ_MAX_SIZE = 32768;

/** A queue's complete state as plain data (driver configuration and device-side indices). */
export interface VirtQueueState {
  readonly size: number;
  readonly ready: boolean;
  readonly descAddr: number;
  readonly driverAddr: number;
  readonly deviceAddr: number;
  readonly lastAvailIdx: number;
  readonly usedIdx: number;
  readonly signalledUsed: number;
  readonly signalledUsedValid: boolean;
  readonly features: bigint;
  readonly broken: boolean;
}

/**
 * The device side of one split virtqueue (virtio 1.2 §2.7): walks descriptor chains the driver
 * makes available, returns them through the used ring and decides whether the driver wants a used
 * buffer notification. Every guest-supplied index, address and length is checked; a violation
 * throws VirtioDriverError, which the transport turns into DEVICE_NEEDS_RESET.
 */
export class VirtQueue {
  /** Queue Size chosen by the driver (QueueNum); defaults to the maximum. */
  size: number;
  ready = false;
  /** Guest-physical addresses of the Descriptor Area, Driver Area (avail) and Device Area (used). */
  descAddr = 0;
  driverAddr = 0;
  deviceAddr = 0;
  /** Set once the driver has broken the protocol; the queue then yields nothing until reset. */
  broken = false;

  private lastAvailIdx = 0;
  private usedIdx = 0;
  private signalledUsed = 0;
  private signalledUsedValid = false;
  private features = 0n;
  private eventIdx = false;
  private indirect = false;

  constructor(
    private readonly memory: GuestMemory,
    readonly index: number,
    readonly maxSize: number,
  ) {
    this.size = maxSize;
  }

  /** Back to the state after device reset (virtio 1.2 §2.4). */
  reset(): void {
    this.size = this.maxSize;
    this.ready = false;
    this.descAddr = this.driverAddr = this.deviceAddr = 0;
    this.broken = false;
    this.lastAvailIdx = this.usedIdx = this.signalledUsed = 0;
    this.signalledUsedValid = false;
    this.setFeatures(0n);
  }

  /** QueueReady ← 0 (§4.2.3.2): stop using the queue but keep its programmed size and addresses. */
  disable(): void {
    this.ready = false;
    this.broken = false;
    this.lastAvailIdx = this.usedIdx = this.signalledUsed = 0;
    this.signalledUsedValid = false;
  }

  /** Negotiated features that change ring behaviour (INDIRECT_DESC, EVENT_IDX). */
  setFeatures(features: bigint): void {
    this.features = features;
    this.eventIdx = hasFeature(features, VIRTIO_F_RING_EVENT_IDX);
    this.indirect = hasFeature(features, VIRTIO_F_RING_INDIRECT_DESC);
  }

  /** Check size, alignment and placement of the three areas (virtio 1.2 §2.7, §4.2.3.2). */
  checkLayout(): void {
    const n = this.size;
    if (n === 0 || n > this.maxSize || (n & (n - 1)) !== 0) {
      throw new VirtioDriverError(`queue ${this.index}: size ${n} is not a power of two ≤ ${this.maxSize}`);
    }
    this.checkArea('descriptor table', this.descAddr, DESC_ALIGN, DESC_SIZE * n);
    this.checkArea('available ring', this.driverAddr, AVAIL_ALIGN, AVAIL_RING + 2 * n + 2);
    this.checkArea('used ring', this.deviceAddr, USED_ALIGN, USED_RING + USED_ELEM_SIZE * n + 2);
  }

  private checkArea(what: string, addr: number, align: number, length: number): void {
    if (addr % align !== 0) {
      throw new VirtioDriverError(`queue ${this.index}: ${what} at 0x${addr.toString(16)} is not ${align}-byte aligned`);
    }
    if (!this.memory.contains(addr, length)) {
      throw new VirtioDriverError(`queue ${this.index}: ${what} 0x${addr.toString(16)}+${length} is outside RAM`);
    }
  }

  /** True when the driver has made buffers available that the device has not taken. */
  hasAvailable(): boolean {
    if (!this.ready || this.broken) return false;
    return this.pendingCount() > 0;
  }

  private pendingCount(): number {
    const availIdx = this.memory.read16(this.driverAddr + AVAIL_IDX);
    const pending = (availIdx - this.lastAvailIdx) & 0xffff;
    if (pending > this.size) {
      throw new VirtioDriverError(`queue ${this.index}: avail idx ${availIdx} is ${pending} ahead of ${this.lastAvailIdx}, more than the queue size`);
    }
    return pending;
  }

  /** Take the next available descriptor chain (virtio 1.2 §2.7.13), or undefined when none is pending. */
  pop(): DescriptorChain | undefined {
    if (!this.ready || this.broken) return undefined;
    if (this.pendingCount() === 0) return undefined;
    const slot = this.lastAvailIdx % this.size;
    const head = this.memory.read16(this.driverAddr + AVAIL_RING + 2 * slot);
    const chain = this.walk(head);
    this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
    // §2.7.10: with EVENT_IDX, avail_event tells the driver which avail idx should notify us next.
    if (this.eventIdx) this.memory.write16(this.availEventAddr(), this.lastAvailIdx);
    return chain;
  }

  /** Give back the chain popped last, e.g. a receive buffer that turned out unusable for now. */
  unpop(): void {
    this.lastAvailIdx = (this.lastAvailIdx - 1) & 0xffff;
    if (this.eventIdx) this.memory.write16(this.availEventAddr(), this.lastAvailIdx);
  }

  /** Return a chain to the driver with the number of bytes written into it (virtio 1.2 §2.7.8). */
  push(chain: DescriptorChain, written: number): void {
    if (!this.ready || this.broken) return;
    const slot = this.usedIdx % this.size;
    const elem = this.deviceAddr + USED_RING + USED_ELEM_SIZE * slot;
    this.memory.write32(elem, chain.head);
    this.memory.write32(elem + 4, written);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.memory.write16(this.deviceAddr + USED_IDX, this.usedIdx);
  }

  /**
   * Whether the used buffers pushed since the last call warrant a used buffer notification:
   * VIRTQ_AVAIL_F_NO_INTERRUPT without EVENT_IDX (§2.7.7), used_event with it (§2.7.10).
   */
  needsNotification(): boolean {
    if (!this.ready || this.broken) return false;
    const old = this.signalledUsed;
    const now = this.usedIdx;
    const valid = this.signalledUsedValid;
    this.signalledUsed = now;
    this.signalledUsedValid = true;
    if (valid && old === now) return false;
    if (!this.eventIdx) {
      return (this.memory.read16(this.driverAddr + AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
    }
    if (!valid) return true;
    const usedEvent = this.memory.read16(this.driverAddr + AVAIL_RING + 2 * this.size);
    // vring_need_event: notify when used_event lies in (old, now].
    return ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
  }

  private availEventAddr(): number {
    return this.deviceAddr + USED_RING + USED_ELEM_SIZE * this.size;
  }

  /** Resolve the chain starting at `head` (virtio 1.2 §2.7.5, §2.7.5.3 indirect descriptors). */
  private walk(head: number): DescriptorChain {
    const q = `queue ${this.index}`;
    const readable: Segment[] = [];
    const writable: Segment[] = [];
    let table = this.descAddr;
    let tableSize = this.size;
    let inIndirect = false;
    let index = head;
    let count = 0;
    let total = 0;
    let sawWritable = false;
    for (;;) {
      if (index >= tableSize) {
        throw new VirtioDriverError(`${q}: descriptor index ${index} ≥ ${inIndirect ? 'indirect table size' : 'queue size'} ${tableSize}`);
      }
      if (++count > tableSize) {
        throw new VirtioDriverError(`${q}: descriptor chain from head ${head} is longer than ${tableSize} (loop?)`);
      }
      const at = table + DESC_SIZE * index;
      const addr64 = this.memory.read64(at + DESC_ADDR);
      const len = this.memory.read32(at + DESC_LEN);
      const flags = this.memory.read16(at + DESC_FLAGS);
      const next = this.memory.read16(at + DESC_NEXT);
      if (addr64 > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new VirtioDriverError(`${q}: descriptor ${index} address 0x${addr64.toString(16)} is outside RAM`);
      }
      const addr = Number(addr64);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (!this.indirect) throw new VirtioDriverError(`${q}: indirect descriptor without VIRTIO_F_RING_INDIRECT_DESC`);
        if (inIndirect) throw new VirtioDriverError(`${q}: indirect descriptor inside an indirect table`);
        if (flags & VIRTQ_DESC_F_NEXT) throw new VirtioDriverError(`${q}: indirect descriptor with NEXT set`);
        if (len === 0 || len % DESC_SIZE !== 0) {
          throw new VirtioDriverError(`${q}: indirect table length ${len} is not a non-zero multiple of ${DESC_SIZE}`);
        }
        if (!this.memory.contains(addr, len)) {
          throw new VirtioDriverError(`${q}: indirect table 0x${addr.toString(16)}+${len} is outside RAM`);
        }
        // The indirect descriptor's own WRITE flag is ignored (§2.7.5.3.2).
        table = addr;
        tableSize = len / DESC_SIZE;
        inIndirect = true;
        index = 0;
        count = 0;
        continue;
      }
      if (len > 0 && !this.memory.contains(addr, len)) {
        throw new VirtioDriverError(`${q}: buffer 0x${addr.toString(16)}+${len} of descriptor ${index} is outside RAM`);
      }
      total += len;
      if (total > 0xffff_ffff) throw new VirtioDriverError(`${q}: chain from head ${head} is longer than 4 GiB`);
      if (flags & VIRTQ_DESC_F_WRITE) {
        sawWritable = true;
        if (len > 0) writable.push({ addr, len });
      } else {
        if (sawWritable) throw new VirtioDriverError(`${q}: device-readable descriptor after a device-writable one`);
        if (len > 0) readable.push({ addr, len });
      }
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      index = next;
    }
    return new DescriptorChain(this.memory, head, readable, writable);
  }

  snapshot(): VirtQueueState {
    return {
      size: this.size,
      ready: this.ready,
      descAddr: this.descAddr,
      driverAddr: this.driverAddr,
      deviceAddr: this.deviceAddr,
      lastAvailIdx: this.lastAvailIdx,
      usedIdx: this.usedIdx,
      signalledUsed: this.signalledUsed,
      signalledUsedValid: this.signalledUsedValid,
      features: this.features,
      broken: this.broken,
    };
  }

  restore(s: VirtQueueState): void {
    this.size = s.size;
    this.ready = s.ready;
    this.descAddr = s.descAddr;
    this.driverAddr = s.driverAddr;
    this.deviceAddr = s.deviceAddr;
    this.lastAvailIdx = s.lastAvailIdx;
    this.usedIdx = s.usedIdx;
    this.signalledUsed = s.signalledUsed;
    this.signalledUsedValid = s.signalledUsedValid;
    this.setFeatures(s.features);
    this.broken = s.broken;
  }
}
