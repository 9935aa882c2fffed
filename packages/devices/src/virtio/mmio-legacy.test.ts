import { describe, expect, it } from 'vitest';
import { MemoryBlockBackend } from '../block/memory.js';
import { VirtioBlock, VIRTIO_BLK_S_OK, VIRTIO_BLK_T_IN } from './blk.js';
import {
  VIRTIO_F_RING_EVENT_IDX,
  VIRTIO_F_RING_INDIRECT_DESC,
  VIRTIO_STATUS_ACKNOWLEDGE,
  VIRTIO_STATUS_DRIVER,
  VIRTIO_STATUS_DRIVER_OK,
  VIRTIO_STATUS_FEATURES_OK,
} from './constants.js';
import * as R from './mmio-registers.js';
import { VirtioMmioTransport } from './mmio.js';
import { VirtioNet, VIRTIO_NET_LEGACY_HDR_SIZE } from './net.js';
import { NetLoopback } from './net-backend.js';
import { TestMachine, type DriverQueue } from './test-support/driver.js';

/*
 * The legacy virtio-mmio interface (virtio 1.2 §4.2.4), Version 1: what QEMU 7.2's virt board
 * gives by default (force-legacy=true), driven the way Linux's virtio_mmio driver does.
 */

const IMAGE = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 13 + 5) & 0xff);

function legacyBlk(): TestMachine {
  const backend = new MemoryBlockBackend(IMAGE.length);
  backend.write(0, IMAGE);
  return new TestMachine(new VirtioBlock({ backend }), 1 << 20, 1);
}

/** One virtio-blk read of `sectors` sectors at `sector`: header, data, status (§5.2.6). */
function readSectors(m: TestMachine, q: DriverQueue, sector: number, sectors: number): { status: number; data: Uint8Array } {
  const hdr = new Uint8Array(16);
  new DataView(hdr.buffer).setUint32(0, VIRTIO_BLK_T_IN, true);
  new DataView(hdr.buffer).setBigUint64(8, BigInt(sector), true);
  const sub = q.submit([{ out: hdr }, { in: 512 * sectors }, { in: 1 }]);
  q.kick();
  const used = q.takeUsed();
  expect(used).toHaveLength(1);
  return { status: m.ram.read8(sub.inAddrs[1]!), data: m.ram.slice(sub.inAddrs[0]!, 512 * sectors).slice() };
}

describe('legacy virtio-mmio (virtio 1.2 §4.2.4)', () => {
  it('identifies as Version 1 and offers 32 feature bits only (no VERSION_1)', () => {
    const m = legacyBlk();
    expect(m.r32(R.VIRTIO_MMIO_MAGIC_VALUE)).toBe(0x74726976);
    expect(m.r32(R.VIRTIO_MMIO_VERSION)).toBe(1);
    expect(m.r32(R.VIRTIO_MMIO_DEVICE_ID)).toBe(2);
    expect(m.r32(R.VIRTIO_MMIO_VENDOR_ID)).toBe(0x554d4551);
    m.w32(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    const low = m.r32(R.VIRTIO_MMIO_DEVICE_FEATURES);
    expect(low & (1 << VIRTIO_F_RING_INDIRECT_DESC)).not.toBe(0);
    expect(low & (1 << VIRTIO_F_RING_EVENT_IDX)).not.toBe(0);
    m.w32(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    expect(m.r32(R.VIRTIO_MMIO_DEVICE_FEATURES)).toBe(0);
    // Modern-only registers do not exist: they read 0 and count as guest errors.
    const before = m.transport.guestErrors;
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_READY)).toBe(0);
    expect(m.r32(R.VIRTIO_MMIO_CONFIG_GENERATION)).toBe(0);
    expect(m.r32(R.VIRTIO_MMIO_SHM_LEN_LOW)).toBe(0);
    expect(m.transport.guestErrors).toBe(before + 3);
  });

  it('runs a driver that sets GuestPageSize, QueueNum, QueueAlign and QueuePFN (legacy ring layout)', () => {
    const m = legacyBlk();
    const [q] = m.initLegacy({ align: 4096, queueSize: 16 });
    // Status has no FEATURES_OK on the legacy interface, yet the device is live.
    expect(m.status()).toBe(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    // §2.7.2: used ring at the first 4096 boundary after 16·16 + 2·(3+16) bytes.
    expect(q!.used - q!.desc).toBe(4096);
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_PFN)).toBe(q!.desc / 4096);
    const r = readSectors(m, q!, 3, 2);
    expect(r.status).toBe(VIRTIO_BLK_S_OK);
    expect(r.data).toEqual(IMAGE.subarray(3 * 512, 5 * 512));
    expect(m.ack()).toBe(R.VIRTIO_MMIO_INT_VRING);
  });

  it('honours a QueueAlign below the page size and a GuestPageSize other than 4096', () => {
    const m = legacyBlk();
    const [q] = m.initLegacy({ align: 2048, pageSize: 0x10000, queueSize: 64 });
    // 16·64 + 2·(3+64) = 1158 bytes → used ring at 2048; PFN counts 64 KiB pages.
    expect(q!.used - q!.desc).toBe(2048);
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_PFN)).toBe(q!.desc / 0x10000);
    expect(readSectors(m, q!, 0, 1).data).toEqual(IMAGE.subarray(0, 512));
  });

  it('stops a queue when QueuePFN is written 0 and resets on Status 0', () => {
    const m = legacyBlk();
    const [q] = m.initLegacy();
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    m.w32(R.VIRTIO_MMIO_QUEUE_PFN, 0);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_PFN)).toBe(0);
    expect(m.transport.queues[0]!.ready).toBe(false);
    q!.submit([{ out: new Uint8Array(16) }, { in: 1 }]);
    q!.kick();
    expect(q!.takeUsed()).toEqual([]);
    m.w32(R.VIRTIO_MMIO_STATUS, 0);
    expect(m.status()).toBe(0);
  });

  it('keeps GuestPageSize across a driver reset (U-Boot writes it once, at probe)', () => {
    const m = legacyBlk();
    m.w32(R.VIRTIO_MMIO_GUEST_PAGE_SIZE, 0x10000);
    m.w32(R.VIRTIO_MMIO_STATUS, 0);
    m.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    m.w32(R.VIRTIO_MMIO_QUEUE_NUM, 16);
    m.w32(R.VIRTIO_MMIO_QUEUE_PFN, 0x80010000 / 0x10000);
    expect(m.transport.queues[0]!.descAddr).toBe(0x8001_0000);
  });

  it('drops GuestFeatures bits beyond word 0 and bits not offered', () => {
    const m = legacyBlk();
    m.w32(R.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    const before = m.transport.guestErrors;
    m.w32(R.VIRTIO_MMIO_DRIVER_FEATURES, 1); // VERSION_1 would be bit 32: not on the legacy interface
    expect(m.transport.guestErrors).toBe(before + 1);
    m.w32(R.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    m.w32(R.VIRTIO_MMIO_DRIVER_FEATURES, 0xffff_ffff);
    expect(m.transport.negotiatedFeatures).toBe(m.transport.offeredFeatures);
    expect(m.transport.negotiatedFeatures >> 32n).toBe(0n);
  });

  it('keeps FEATURES_OK if a legacy driver sets it (as QEMU does) and still activates on DRIVER_OK', () => {
    const m = legacyBlk();
    m.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    expect(m.status() & VIRTIO_STATUS_FEATURES_OK).not.toBe(0);
  });

  it('uses the 10-byte virtio_net_hdr without VERSION_1 (§5.1.6.1)', () => {
    const m = new TestMachine(new VirtioNet({ backend: new NetLoopback() }), 1 << 20, 1);
    const [rx, tx] = m.initLegacy();
    const frame = Uint8Array.from({ length: 60 }, (_, i) => i);
    const rxSub = rx!.submit([{ in: 2048 }]);
    rx!.kick();
    tx!.submit([{ out: new Uint8Array(VIRTIO_NET_LEGACY_HDR_SIZE) }, { out: frame }]);
    tx!.kick();
    const got = rx!.takeUsed();
    expect(got).toHaveLength(1);
    expect(got[0]!.len).toBe(VIRTIO_NET_LEGACY_HDR_SIZE + frame.length);
    expect(m.ram.slice(rxSub.inAddrs[0]! + VIRTIO_NET_LEGACY_HDR_SIZE, frame.length)).toEqual(frame);
  });

  it('snapshots the legacy registers: a restored transport keeps page size, alignment and rings', () => {
    const m = legacyBlk();
    const [q] = m.initLegacy({ align: 2048, pageSize: 0x10000 });
    const state = m.transport.snapshot();
    expect(state.version).toBe(2);
    const backend = new MemoryBlockBackend(IMAGE.length);
    backend.write(0, IMAGE);
    const other = new VirtioMmioTransport({ device: new VirtioBlock({ backend }), memory: m.ram, irq: { set: () => {} }, version: 1 });
    other.restore(state);
    expect(other.snapshot()).toEqual(state);
    other.write(R.VIRTIO_MMIO_QUEUE_SEL, 4, 0n);
    expect(Number(other.read(R.VIRTIO_MMIO_QUEUE_PFN, 4))).toBe(q!.desc / 0x10000);
  });
});

describe('empty virtio-mmio transports (QEMU virt slots without a device)', () => {
  for (const version of [1, 2] as const) {
    it(`answer magic, Version ${version}, DeviceID 0 and QEMU's VendorID; everything else reads 0, writes are ignored`, () => {
      const t = VirtioMmioTransport.empty(version);
      const r = (o: number): number => Number(t.read(o, 4));
      expect(r(R.VIRTIO_MMIO_MAGIC_VALUE)).toBe(0x74726976);
      expect(r(R.VIRTIO_MMIO_VERSION)).toBe(version);
      expect(r(R.VIRTIO_MMIO_DEVICE_ID)).toBe(0);
      expect(r(R.VIRTIO_MMIO_VENDOR_ID)).toBe(0x554d4551);
      t.write(R.VIRTIO_MMIO_STATUS, 4, 0xfn);
      t.write(R.VIRTIO_MMIO_QUEUE_PFN, 4, 0x80000n);
      for (let o = 0x10; o < 0x200; o += 4) expect(r(o), `offset 0x${o.toString(16)}`).toBe(0);
    });
  }
});
