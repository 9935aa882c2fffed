import { describe, expect, it } from 'vitest';
import { LevelIrqLine } from '@vm/core';
import { Ram } from '@vm/mmu';
import { MemoryBlockBackend } from '../block/memory.js';
import { VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VirtioBlock } from './blk.js';
import { VirtioConsole } from './console.js';
import { VirtioMmioTransport } from './mmio.js';
import { NetLink } from './net-backend.js';
import { VirtioNet } from './net.js';
import type { VirtioDevice } from './device.js';
import { RAM_BASE, TestMachine } from './test-support/driver.js';
import * as R from './mmio-registers.js';

function hdr(type: number, sector: number): Uint8Array {
  const h = new Uint8Array(16);
  new DataView(h.buffer).setUint32(0, type, true);
  new DataView(h.buffer).setBigUint64(8, BigInt(sector), true);
  return h;
}

/** Clone a machine's RAM and transport state into a fresh transport around `device`. */
function cloneInto(m: TestMachine, device: VirtioDevice): { t: VirtioMmioTransport; ram: Ram; irq: LevelIrqLine } {
  const ram = new Ram(RAM_BASE, m.ram.size);
  ram.load(RAM_BASE, m.ram.copyOut(RAM_BASE, m.ram.size));
  const irq = new LevelIrqLine();
  const t = new VirtioMmioTransport({ device, memory: ram, irq });
  t.restore(structuredClone(m.transport.snapshot()));
  return { t, ram, irq };
}

describe('snapshot/restore with requests in flight', () => {
  it('virtio-blk: available but unprocessed chains are served after restore', () => {
    const disk = Uint8Array.from({ length: 8192 }, (_, i) => i & 0xff);
    const m = new TestMachine(new VirtioBlock({ backend: new MemoryBlockBackend(disk.slice()) }));
    const [q] = m.init();
    // one request completed, one interrupt pending, two more made available without a kick
    q!.submit([{ out: hdr(VIRTIO_BLK_T_OUT, 1) }, { out: new Uint8Array(512).fill(7) }, { in: 1 }]);
    q!.kick();
    expect(q!.takeUsed()).toHaveLength(1);
    const r1 = q!.submit([{ out: hdr(VIRTIO_BLK_T_IN, 1) }, { in: 512 }, { in: 1 }]);
    const r2 = q!.submit([{ out: hdr(VIRTIO_BLK_T_IN, 2) }, { in: 512 }, { in: 1 }]);

    const backend2 = new MemoryBlockBackend(disk.slice());
    backend2.bytes.fill(7, 512, 1024); // the disk travels separately from the device state
    const { t, ram, irq } = cloneInto(m, new VirtioBlock({ backend: backend2 }));
    expect(irq.level).toBe(true);
    expect(Number(t.read(R.VIRTIO_MMIO_STATUS, 4))).toBe(m.status());
    expect(Number(t.read(R.VIRTIO_MMIO_INTERRUPT_STATUS, 4))).toBe(1);
    t.write(R.VIRTIO_MMIO_INTERRUPT_ACK, 4, 1n);
    expect(irq.level).toBe(false);
    ram.write16(q!.avail + 4 + 2 * q!.size, 1); // EVENT_IDX used_event: wake me after entry 1
    t.write(R.VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0n);
    expect(ram.read16(q!.used + 2)).toBe(3);
    expect(ram.slice(r1.inAddrs[0]!, 512).every((b) => b === 7)).toBe(true);
    expect(ram.slice(r2.inAddrs[0]!, 512)).toEqual(disk.subarray(1024, 1536));
    expect(ram.read32(q!.used + 4 + 8 * 2)).toBe(r2.head);
    expect(irq.level).toBe(true);
  });

  it('virtio-net: frames held for the guest survive a restore', () => {
    const [ea, eb] = NetLink.pair();
    const m = new TestMachine(new VirtioNet({ backend: eb }));
    const [rx] = m.init();
    ea.send(Uint8Array.of(1, 2, 3));
    ea.send(Uint8Array.of(4, 5));
    const [, eb2] = NetLink.pair();
    const dev2 = new VirtioNet({ backend: eb2 });
    const { t, ram } = cloneInto(m, dev2);
    expect(dev2.pendingFrames).toBe(2);
    // the driver (still the same guest memory image) posts a buffer and kicks the clone
    const buf = RAM_BASE + 0x8_0000;
    const at = rx!.desc;
    ram.write64(at, BigInt(buf));
    ram.write32(at + 8, 64);
    ram.write16(at + 12, 2);
    ram.write16(rx!.avail + 4, 0);
    ram.write16(rx!.avail + 2, 1);
    t.write(R.VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0n);
    expect(ram.read16(rx!.used + 2)).toBe(1);
    expect(ram.read32(rx!.used + 8)).toBe(15);
    expect([...ram.slice(buf + 12, 3)]).toEqual([1, 2, 3]);
  });

  it('virtio-console: pending input survives; restore refuses unknown versions', () => {
    const con = new VirtioConsole({ output: () => {} });
    con.receive(new TextEncoder().encode('abc'));
    const s = con.snapshot();
    const con2 = new VirtioConsole({ output: () => {} });
    con2.restore(structuredClone(s));
    expect(con2.snapshot().pendingInput).toEqual(new TextEncoder().encode('abc'));
    expect(() => con2.restore({ ...s, version: 99 as 1 })).toThrow(/version/);
  });
});
