/**
 * A miniature virtio-mmio driver for tests: programs the transport the way Linux or U-Boot does
 * (virtio 1.2 §3.1.1, §4.2.3) and builds split rings in a Ram. Not part of the package build.
 */
import { LevelIrqLine } from '@vm/core';
import { Ram } from '@vm/mmu';
import {
  featureBit,
  VIRTIO_F_VERSION_1,
  VIRTIO_STATUS_ACKNOWLEDGE,
  VIRTIO_STATUS_DRIVER,
  VIRTIO_STATUS_DRIVER_OK,
  VIRTIO_STATUS_FEATURES_OK,
} from '../constants.js';
import type { VirtioDevice } from '../device.js';
import * as R from '../mmio-registers.js';
import { VirtioMmioTransport, type VirtioMmioVersion } from '../mmio.js';
import { VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from '../queue.js';

export const RAM_BASE = 0x8000_0000;

/** One buffer of a chain: bytes the device reads, or room for the device to write. */
export type Buffer = { readonly out: Uint8Array } | { readonly in: number };

export interface Submitted {
  readonly head: number;
  /** Guest address of each `in` buffer, in order. */
  readonly inAddrs: number[];
}

export interface UsedElem {
  readonly id: number;
  readonly len: number;
}

export class TestMachine {
  readonly ram: Ram;
  readonly irq = new LevelIrqLine();
  readonly transport: VirtioMmioTransport;
  private next: number;

  constructor(device: VirtioDevice, ramSize = 1 << 20, version: VirtioMmioVersion = 2) {
    this.ram = new Ram(RAM_BASE, ramSize);
    this.transport = new VirtioMmioTransport({ device, memory: this.ram, irq: this.irq, version });
    this.next = RAM_BASE;
  }

  /** Bump-allocate guest memory. */
  alloc(size: number, align = 16): number {
    this.next = Math.ceil(this.next / align) * align;
    const at = this.next;
    this.next += size;
    if (this.next > this.ram.end) throw new Error('test RAM exhausted');
    return at;
  }

  r32(offset: number): number {
    return Number(this.transport.read(offset, 4));
  }
  w32(offset: number, value: number): void {
    this.transport.write(offset, 4, BigInt(value >>> 0));
  }
  status(): number {
    return this.r32(R.VIRTIO_MMIO_STATUS);
  }
  deviceFeatures(): bigint {
    this.w32(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    const lo = BigInt(this.r32(R.VIRTIO_MMIO_DEVICE_FEATURES));
    this.w32(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    const hi = BigInt(this.r32(R.VIRTIO_MMIO_DEVICE_FEATURES));
    return (hi << 32n) | lo;
  }
  writeDriverFeatures(features: bigint): void {
    this.w32(R.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    this.w32(R.VIRTIO_MMIO_DRIVER_FEATURES, Number(features & 0xffff_ffffn));
    this.w32(R.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    this.w32(R.VIRTIO_MMIO_DRIVER_FEATURES, Number(features >> 32n));
  }
  ack(): number {
    const s = this.r32(R.VIRTIO_MMIO_INTERRUPT_STATUS);
    this.w32(R.VIRTIO_MMIO_INTERRUPT_ACK, s);
    return s;
  }

  /**
   * §3.1.1 steps 1–8: reset, ACKNOWLEDGE, DRIVER, negotiate (offered ∩ wanted, VERSION_1 always),
   * FEATURES_OK, set up every queue, DRIVER_OK. `wanted` defaults to everything offered.
   */
  init(options: { wanted?: bigint; queueSizes?: number[]; beforeDriverOk?: (queues: DriverQueue[]) => void } = {}): DriverQueue[] {
    this.w32(R.VIRTIO_MMIO_STATUS, 0);
    this.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    this.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    const offered = this.deviceFeatures();
    const wanted = (options.wanted ?? offered) | featureBit(VIRTIO_F_VERSION_1);
    this.writeDriverFeatures(offered & wanted);
    let s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    this.w32(R.VIRTIO_MMIO_STATUS, s);
    if (!(this.status() & VIRTIO_STATUS_FEATURES_OK)) throw new Error('device refused FEATURES_OK');
    const queues: DriverQueue[] = [];
    for (let i = 0; ; i++) {
      this.w32(R.VIRTIO_MMIO_QUEUE_SEL, i);
      const max = this.r32(R.VIRTIO_MMIO_QUEUE_NUM_MAX);
      if (max === 0) break;
      queues.push(this.setupQueue(i, options.queueSizes?.[i] ?? Math.min(max, 16)));
    }
    options.beforeDriverOk?.(queues);
    s |= VIRTIO_STATUS_DRIVER_OK;
    this.w32(R.VIRTIO_MMIO_STATUS, s);
    return queues;
  }

  /**
   * The legacy sequence (virtio 1.2 §4.2.4, §3.1.1 legacy; Linux virtio_mmio with Version 1):
   * reset, ACKNOWLEDGE, DRIVER, 32-bit GuestFeatures, GuestPageSize, then per queue QueueNum,
   * QueueAlign and QueuePFN of one contiguous area in the §2.7.2 legacy layout, DRIVER_OK — no
   * FEATURES_OK.
   */
  initLegacy(options: { wanted?: number; pageSize?: number; align?: number; queueSize?: number } = {}): DriverQueue[] {
    const pageSize = options.pageSize ?? 4096;
    const align = options.align ?? 4096;
    this.w32(R.VIRTIO_MMIO_STATUS, 0);
    this.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    this.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    this.w32(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    const offered = this.r32(R.VIRTIO_MMIO_DEVICE_FEATURES);
    this.w32(R.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    this.w32(R.VIRTIO_MMIO_DRIVER_FEATURES, offered & (options.wanted ?? 0xffff_ffff));
    this.w32(R.VIRTIO_MMIO_GUEST_PAGE_SIZE, pageSize);
    const queues: DriverQueue[] = [];
    for (let i = 0; ; i++) {
      this.w32(R.VIRTIO_MMIO_QUEUE_SEL, i);
      const max = this.r32(R.VIRTIO_MMIO_QUEUE_NUM_MAX);
      if (max === 0) break;
      if (this.r32(R.VIRTIO_MMIO_QUEUE_PFN) !== 0) throw new Error(`queue ${i} already in use`);
      const size = Math.min(max, options.queueSize ?? 16);
      // §2.7.2: descriptors, avail ring (flags, idx, ring[size], used_event), used ring at `align`.
      const availEnd = 16 * size + 2 * (3 + size);
      const total = Math.ceil(availEnd / align) * align + 6 + 8 * size;
      const desc = this.alloc(total, pageSize);
      const used = desc + Math.ceil(availEnd / align) * align;
      this.w32(R.VIRTIO_MMIO_QUEUE_NUM, size);
      this.w32(R.VIRTIO_MMIO_QUEUE_ALIGN, align);
      this.w32(R.VIRTIO_MMIO_QUEUE_PFN, desc / pageSize);
      queues.push(new DriverQueue(this, i, size, desc, desc + 16 * size, used));
    }
    this.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    return queues;
  }

  setupQueue(index: number, size: number, addrs?: { desc: number; avail: number; used: number }): DriverQueue {
    const desc = addrs?.desc ?? this.alloc(16 * size, 16);
    const avail = addrs?.avail ?? this.alloc(6 + 2 * size, 2);
    const used = addrs?.used ?? this.alloc(6 + 8 * size, 4);
    this.w32(R.VIRTIO_MMIO_QUEUE_SEL, index);
    this.w32(R.VIRTIO_MMIO_QUEUE_NUM, size);
    this.w32(R.VIRTIO_MMIO_QUEUE_DESC_LOW, desc % 2 ** 32);
    this.w32(R.VIRTIO_MMIO_QUEUE_DESC_HIGH, Math.floor(desc / 2 ** 32));
    this.w32(R.VIRTIO_MMIO_QUEUE_DRIVER_LOW, avail % 2 ** 32);
    this.w32(R.VIRTIO_MMIO_QUEUE_DRIVER_HIGH, Math.floor(avail / 2 ** 32));
    this.w32(R.VIRTIO_MMIO_QUEUE_DEVICE_LOW, used % 2 ** 32);
    this.w32(R.VIRTIO_MMIO_QUEUE_DEVICE_HIGH, Math.floor(used / 2 ** 32));
    this.w32(R.VIRTIO_MMIO_QUEUE_READY, 1);
    return new DriverQueue(this, index, size, desc, avail, used);
  }
}

/** The driver's side of one split virtqueue (virtio 1.2 §2.7.13). */
export class DriverQueue {
  private nextDesc = 0;
  private availIdx = 0;
  private lastUsed = 0;

  constructor(
    private readonly m: TestMachine,
    readonly index: number,
    readonly size: number,
    readonly desc: number,
    readonly avail: number,
    readonly used: number,
  ) {}

  get ram(): Ram {
    return this.m.ram;
  }

  /** Write raw descriptor `i` of a table at `table` (default: this queue's). */
  writeDesc(i: number, addr: number, len: number, flags: number, next: number, table = this.desc): void {
    const at = table + 16 * i;
    this.ram.write64(at, BigInt(addr));
    this.ram.write32(at + 8, len);
    this.ram.write16(at + 12, flags);
    this.ram.write16(at + 14, next);
  }

  /** Put `head` in the available ring and bump avail.idx. */
  publish(head: number): void {
    this.ram.write16(this.avail + 4 + 2 * (this.availIdx % this.size), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.ram.write16(this.avail + 2, this.availIdx);
  }

  /** Lay out buffers in RAM and describe them as an indirect table (at `tableAddr`'s descriptors). */
  private place(buffers: readonly Buffer[]): { segs: { addr: number; len: number; write: boolean }[]; inAddrs: number[] } {
    const inAddrs: number[] = [];
    const segs = buffers.map((b) => {
      if ('out' in b) {
        const addr = this.m.alloc(Math.max(1, b.out.length));
        this.ram.load(addr, b.out);
        return { addr, len: b.out.length, write: false };
      }
      const addr = this.m.alloc(Math.max(1, b.in));
      this.ram.slice(addr, b.in).fill(0xee);
      inAddrs.push(addr);
      return { addr, len: b.in, write: true };
    });
    return { segs, inAddrs };
  }

  /** Make a chain available (direct descriptors, or one indirect table); does not notify. */
  submit(buffers: readonly Buffer[], options: { indirect?: boolean } = {}): Submitted {
    const { segs, inAddrs } = this.place(buffers);
    if (options.indirect) {
      const table = this.m.alloc(16 * segs.length, 16);
      segs.forEach((s, i) => {
        const last = i === segs.length - 1;
        this.writeDesc(i, s.addr, s.len, (s.write ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT), last ? 0 : i + 1, table);
      });
      const head = this.takeDesc();
      this.writeDesc(head, table, 16 * segs.length, VIRTQ_DESC_F_INDIRECT, 0);
      this.publish(head);
      return { head, inAddrs };
    }
    const ids = segs.map(() => this.takeDesc());
    segs.forEach((s, i) => {
      const last = i === segs.length - 1;
      this.writeDesc(ids[i]!, s.addr, s.len, (s.write ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT), last ? 0 : ids[i + 1]!);
    });
    this.publish(ids[0]!);
    return { head: ids[0]!, inAddrs };
  }

  private takeDesc(): number {
    const i = this.nextDesc;
    this.nextDesc = (this.nextDesc + 1) % this.size;
    return i;
  }

  /** Pretend a long history: both rings' indices (driver side) set to `idx`. */
  setIndices(idx: number): void {
    this.availIdx = this.lastUsed = idx;
    this.ram.write16(this.avail + 2, idx);
    this.ram.write16(this.used + 2, idx);
  }

  kick(): void {
    this.m.w32(R.VIRTIO_MMIO_QUEUE_NOTIFY, this.index);
  }

  usedIdx(): number {
    return this.ram.read16(this.used + 2);
  }

  /** Used elements added since the last call. */
  takeUsed(): UsedElem[] {
    const out: UsedElem[] = [];
    const idx = this.usedIdx();
    while (this.lastUsed !== idx) {
      const at = this.used + 4 + 8 * (this.lastUsed % this.size);
      out.push({ id: this.ram.read32(at), len: this.ram.read32(at + 4) });
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    return out;
  }

  /** VIRTQ_AVAIL_F_NO_INTERRUPT in avail.flags. */
  setNoInterrupt(on: boolean): void {
    this.ram.write16(this.avail, on ? 1 : 0);
  }
  /** used_event (EVENT_IDX). */
  setUsedEvent(idx: number): void {
    this.ram.write16(this.avail + 4 + 2 * this.size, idx);
  }
  /** avail_event (EVENT_IDX), written by the device. */
  availEvent(): number {
    return this.ram.read16(this.used + 4 + 8 * this.size);
  }
}
