import { describe, expect, it } from 'vitest';
import { MemoryBlockBackend } from '../block/memory.js';
import { VirtioBlock } from './blk.js';
import {
  featureBit,
  VIRTIO_F_RING_EVENT_IDX,
  VIRTIO_F_RING_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  VIRTIO_STATUS_ACKNOWLEDGE,
  VIRTIO_STATUS_DRIVER,
  VIRTIO_STATUS_DRIVER_OK,
  VIRTIO_STATUS_FEATURES_OK,
} from './constants.js';
import * as R from './mmio-registers.js';
import { VirtioMmioTransport } from './mmio.js';
import { TestMachine } from './test-support/driver.js';

const ACK_DRV = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

function blkMachine(): TestMachine {
  return new TestMachine(new VirtioBlock({ backend: new MemoryBlockBackend(64 * 1024) }));
}

describe('VirtioMmioTransport registers (virtio 1.2 §4.2.2)', () => {
  it('identifies itself as a modern QEMU virtio-mmio device', () => {
    const m = blkMachine();
    expect(m.r32(R.VIRTIO_MMIO_MAGIC_VALUE)).toBe(0x74726976);
    expect(m.r32(R.VIRTIO_MMIO_VERSION)).toBe(2);
    expect(m.r32(R.VIRTIO_MMIO_DEVICE_ID)).toBe(2);
    expect(m.r32(R.VIRTIO_MMIO_VENDOR_ID)).toBe(0x554d4551);
    expect(m.transport.size).toBe(0x1000);
    expect(m.transport.accessWidths).toEqual([1, 2, 4]);
  });

  it('offers VERSION_1, INDIRECT_DESC and EVENT_IDX through the feature window', () => {
    const m = blkMachine();
    const f = m.deviceFeatures();
    expect(f & featureBit(VIRTIO_F_VERSION_1)).not.toBe(0n);
    expect(f & featureBit(VIRTIO_F_RING_INDIRECT_DESC)).not.toBe(0n);
    expect(f & featureBit(VIRTIO_F_RING_EVENT_IDX)).not.toBe(0n);
    m.w32(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
    expect(m.r32(R.VIRTIO_MMIO_DEVICE_FEATURES)).toBe(0);
  });

  it('reads QueueNumMax per QueueSel, 0 past the last queue; SHM reads ~0; holes read 0', () => {
    const m = blkMachine();
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_NUM_MAX)).toBe(256);
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 1);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_NUM_MAX)).toBe(0);
    expect(m.r32(R.VIRTIO_MMIO_SHM_LEN_LOW)).toBe(0xffff_ffff);
    expect(m.r32(R.VIRTIO_MMIO_SHM_LEN_HIGH)).toBe(0xffff_ffff);
    expect(m.r32(0x0f0)).toBe(0);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_NUM)).toBe(0);
  });

  it('ignores non-32-bit access below 0x100 but allows byte/half access to config space', () => {
    const m = blkMachine();
    expect(m.transport.read(R.VIRTIO_MMIO_MAGIC_VALUE, 1)).toBe(0n);
    expect(m.transport.read(R.VIRTIO_MMIO_MAGIC_VALUE + 2, 4)).toBe(0n);
    m.transport.write(R.VIRTIO_MMIO_STATUS, 2, 1n);
    expect(m.status()).toBe(0);
    expect(m.transport.guestErrors).toBe(3);
    // capacity = 128 sectors
    expect(m.transport.read(0x100, 1)).toBe(128n);
    expect(m.transport.read(0x100, 2)).toBe(128n);
    expect(m.transport.read(0x100, 4)).toBe(128n);
    expect(m.transport.read(0x104, 4)).toBe(0n);
    // past configSize
    expect(m.transport.read(0x100 + 0x200, 4)).toBe(0n);
  });

  it('runs the §3.1.1 initialisation sequence', () => {
    const m = blkMachine();
    const queues = m.init();
    expect(queues).toHaveLength(1);
    expect(m.status()).toBe(ACK_DRV | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_READY)).toBe(1);
  });

  it('refuses FEATURES_OK without VERSION_1', () => {
    const m = blkMachine();
    m.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    m.w32(R.VIRTIO_MMIO_STATUS, ACK_DRV);
    m.writeDriverFeatures(m.deviceFeatures() & ~featureBit(VIRTIO_F_VERSION_1));
    m.w32(R.VIRTIO_MMIO_STATUS, ACK_DRV | VIRTIO_STATUS_FEATURES_OK);
    expect(m.status()).toBe(ACK_DRV);
  });

  it('refuses FEATURES_OK when the driver accepts a feature not offered', () => {
    const m = blkMachine();
    m.w32(R.VIRTIO_MMIO_STATUS, ACK_DRV);
    m.writeDriverFeatures(featureBit(VIRTIO_F_VERSION_1) | featureBit(40));
    m.w32(R.VIRTIO_MMIO_STATUS, ACK_DRV | VIRTIO_STATUS_FEATURES_OK);
    expect(m.status() & VIRTIO_STATUS_FEATURES_OK).toBe(0);
  });

  it('does not set DRIVER_OK without FEATURES_OK, nor let the driver clear bits', () => {
    const m = blkMachine();
    m.w32(R.VIRTIO_MMIO_STATUS, ACK_DRV);
    m.w32(R.VIRTIO_MMIO_STATUS, ACK_DRV | VIRTIO_STATUS_DRIVER_OK);
    expect(m.status()).toBe(ACK_DRV);
    m.w32(R.VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    expect(m.status()).toBe(ACK_DRV);
    expect(m.transport.guestErrors).toBe(1);
  });

  it('freezes driver features after FEATURES_OK', () => {
    const m = blkMachine();
    m.init({ wanted: featureBit(VIRTIO_F_VERSION_1) });
    m.writeDriverFeatures(m.deviceFeatures());
    expect(m.transport.negotiatedFeatures).toBe(featureBit(VIRTIO_F_VERSION_1));
  });

  it('writing 0 to Status resets the device, queues and interrupts', () => {
    const m = blkMachine();
    m.init();
    m.transport.needsReset('test');
    expect(m.irq.level).toBe(true);
    m.w32(R.VIRTIO_MMIO_STATUS, 0);
    expect(m.status()).toBe(0);
    expect(m.irq.level).toBe(false);
    expect(m.r32(R.VIRTIO_MMIO_INTERRUPT_STATUS)).toBe(0);
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_READY)).toBe(0);
    // usable again after reset
    m.init();
    expect(m.status() & VIRTIO_STATUS_DRIVER_OK).toBe(VIRTIO_STATUS_DRIVER_OK);
  });

  it('keeps the interrupt level high until every InterruptStatus bit is acknowledged', () => {
    const m = blkMachine();
    const [q] = m.init();
    q!.submit([{ out: new Uint8Array(16) }, { in: 512 }, { in: 1 }]);
    q!.kick();
    m.transport.needsReset('test');
    expect(m.r32(R.VIRTIO_MMIO_INTERRUPT_STATUS)).toBe(3);
    m.w32(R.VIRTIO_MMIO_INTERRUPT_ACK, 1);
    expect(m.irq.level).toBe(true);
    m.w32(R.VIRTIO_MMIO_INTERRUPT_ACK, 2);
    expect(m.irq.level).toBe(false);
  });

  it('ignores queue programming while QueueReady is 1 and allows it again after QueueReady=0', () => {
    const m = blkMachine();
    m.init();
    m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    m.w32(R.VIRTIO_MMIO_QUEUE_NUM, 4);
    expect(m.transport.queues[0]!.size).toBe(16);
    m.w32(R.VIRTIO_MMIO_QUEUE_READY, 0);
    expect(m.r32(R.VIRTIO_MMIO_QUEUE_READY)).toBe(0);
    m.w32(R.VIRTIO_MMIO_QUEUE_NUM, 4);
    expect(m.transport.queues[0]!.size).toBe(4);
  });
});

describe('empty slot', () => {
  it('reads magic, version and vendor, Device ID 0 and zero elsewhere; ignores writes', () => {
    const t = VirtioMmioTransport.empty();
    const r = (o: number): number => Number(t.read(o, 4));
    expect(r(R.VIRTIO_MMIO_MAGIC_VALUE)).toBe(0x74726976);
    expect(r(R.VIRTIO_MMIO_VERSION)).toBe(2);
    expect(r(R.VIRTIO_MMIO_DEVICE_ID)).toBe(0);
    expect(r(R.VIRTIO_MMIO_VENDOR_ID)).toBe(0x554d4551);
    expect(t.isEmpty).toBe(true);
    t.write(R.VIRTIO_MMIO_STATUS, 4, 1n);
    expect(r(R.VIRTIO_MMIO_STATUS)).toBe(0);
    expect(r(R.VIRTIO_MMIO_DEVICE_FEATURES)).toBe(0);
    expect(r(R.VIRTIO_MMIO_QUEUE_NUM_MAX)).toBe(0);
    expect(t.read(0x100, 4)).toBe(0n);
    expect(t.restore(t.snapshot())).toBeUndefined();
  });
});
