import { describe, expect, it } from 'vitest';
import { MemoryBlockBackend } from '../block/memory.js';
import { VIRTIO_BLK_T_IN, VirtioBlock } from './blk.js';
import {
  featureBit,
  VIRTIO_F_RING_EVENT_IDX,
  VIRTIO_F_RING_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  VIRTIO_STATUS_DEVICE_NEEDS_RESET,
  VIRTIO_STATUS_DRIVER_OK,
} from './constants.js';
import * as R from './mmio-registers.js';
import { VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from './queue.js';
import { RAM_BASE, TestMachine, type DriverQueue } from './test-support/driver.js';

const RAM_SIZE = 1 << 20;

function readHeader(sector = 0): Uint8Array {
  const h = new Uint8Array(16);
  new DataView(h.buffer).setUint32(0, VIRTIO_BLK_T_IN, true);
  new DataView(h.buffer).setBigUint64(8, BigInt(sector), true);
  return h;
}

function setup(wanted?: bigint): { m: TestMachine; q: DriverQueue } {
  const m = new TestMachine(new VirtioBlock({ backend: new MemoryBlockBackend(64 * 1024) }), RAM_SIZE);
  const [q] = m.init(wanted === undefined ? {} : { wanted });
  return { m, q: q! };
}

/** A valid 3-descriptor read request's buffers. */
function goodRead(m: TestMachine): { hdr: number; data: number; status: number } {
  const hdr = m.alloc(16);
  m.ram.load(hdr, readHeader());
  return { hdr, data: m.alloc(512), status: m.alloc(1) };
}

function expectNeedsReset(m: TestMachine, q: DriverQueue): void {
  expect(m.status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET).toBe(VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  expect(m.r32(R.VIRTIO_MMIO_INTERRUPT_STATUS) & 2).toBe(2);
  expect(m.irq.level).toBe(true);
  expect(m.transport.lastError).toBeTruthy();
  // The queue is dead until reset: further kicks do nothing and never throw.
  const before = q.usedIdx();
  q.submit([{ out: readHeader() }, { in: 512 }, { in: 1 }]);
  expect(() => q.kick()).not.toThrow();
  expect(q.usedIdx()).toBe(before);
}

describe('bad driver input → DEVICE_NEEDS_RESET + configuration change interrupt, never a host exception', () => {
  const cases: [string, (m: TestMachine, q: DriverQueue) => void][] = [
    [
      'buffer address outside RAM',
      (m, q) => {
        const b = goodRead(m);
        q.writeDesc(0, b.hdr, 16, VIRTQ_DESC_F_NEXT, 1);
        q.writeDesc(1, RAM_BASE + RAM_SIZE - 100, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
        q.writeDesc(2, b.status, 1, VIRTQ_DESC_F_WRITE, 0);
        q.publish(0);
      },
    ],
    [
      'buffer address below RAM',
      (_m, q) => {
        q.writeDesc(0, 0x1000, 16, 0, 0);
        q.publish(0);
      },
    ],
    [
      'buffer address above 2^53',
      (_m, q) => {
        q.writeDesc(0, 0, 16, 0, 0);
        q.ram.write64(q.desc, 0xffff_ffff_ffff_f000n);
        q.publish(0);
      },
    ],
    [
      'descriptor loop',
      (m, q) => {
        const b = goodRead(m);
        q.writeDesc(0, b.hdr, 16, VIRTQ_DESC_F_NEXT, 1);
        q.writeDesc(1, b.data, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
        q.publish(0);
      },
    ],
    [
      'next index ≥ queue size',
      (m, q) => {
        const b = goodRead(m);
        q.writeDesc(0, b.hdr, 16, VIRTQ_DESC_F_NEXT, q.size);
        q.publish(0);
      },
    ],
    [
      'head index ≥ queue size',
      (_m, q) => {
        q.publish(q.size + 3);
      },
    ],
    [
      'avail idx more than queue size ahead',
      (_m, q) => {
        q.ram.write16(q.avail + 2, q.size + 1);
      },
    ],
    [
      'device-readable descriptor after a device-writable one',
      (m, q) => {
        const b = goodRead(m);
        q.writeDesc(0, b.data, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
        q.writeDesc(1, b.hdr, 16, VIRTQ_DESC_F_NEXT, 2);
        q.writeDesc(2, b.status, 1, VIRTQ_DESC_F_WRITE, 0);
        q.publish(0);
      },
    ],
    [
      'write-only header where read-only is expected',
      (m, q) => {
        const b = goodRead(m);
        q.writeDesc(0, b.hdr, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
        q.writeDesc(1, b.status, 1, VIRTQ_DESC_F_WRITE, 0);
        q.publish(0);
      },
    ],
    [
      'request header too short',
      (m, q) => {
        const b = goodRead(m);
        q.writeDesc(0, b.hdr, 8, VIRTQ_DESC_F_NEXT, 1);
        q.writeDesc(1, b.status, 1, VIRTQ_DESC_F_WRITE, 0);
        q.publish(0);
      },
    ],
    [
      'no status byte',
      (m, q) => {
        const b = goodRead(m);
        q.writeDesc(0, b.hdr, 16, 0, 0);
        q.publish(0);
      },
    ],
    [
      'indirect table length not a multiple of 16',
      (m, q) => {
        const table = m.alloc(48);
        q.writeDesc(0, table, 40, VIRTQ_DESC_F_INDIRECT, 0);
        q.publish(0);
      },
    ],
    [
      'indirect table outside RAM',
      (_m, q) => {
        q.writeDesc(0, RAM_BASE + RAM_SIZE - 16, 64, VIRTQ_DESC_F_INDIRECT, 0);
        q.publish(0);
      },
    ],
    [
      'indirect descriptor with NEXT',
      (m, q) => {
        const b = goodRead(m);
        const table = m.alloc(48);
        q.writeDesc(0, b.hdr, 16, 0, 0, table);
        q.writeDesc(0, table, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
        q.writeDesc(1, b.status, 1, VIRTQ_DESC_F_WRITE, 0);
        q.publish(0);
      },
    ],
    [
      'nested indirect table',
      (m, q) => {
        const table = m.alloc(16);
        const inner = m.alloc(16);
        q.writeDesc(0, inner, 16, VIRTQ_DESC_F_INDIRECT, 0, table);
        q.writeDesc(0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
        q.publish(0);
      },
    ],
    [
      'loop inside an indirect table',
      (m, q) => {
        const b = goodRead(m);
        const table = m.alloc(32);
        q.writeDesc(0, b.hdr, 16, VIRTQ_DESC_F_NEXT, 1, table);
        q.writeDesc(1, b.data, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0, table);
        q.writeDesc(0, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
        q.publish(0);
      },
    ],
    [
      'next index ≥ indirect table size',
      (m, q) => {
        const b = goodRead(m);
        const table = m.alloc(32);
        q.writeDesc(0, b.hdr, 16, VIRTQ_DESC_F_NEXT, 2, table);
        q.writeDesc(0, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
        q.publish(0);
      },
    ],
    [
      'notification for a queue that is not ready',
      (m) => {
        m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
        m.w32(R.VIRTIO_MMIO_QUEUE_READY, 0);
      },
    ],
    [
      'notification for a queue that does not exist',
      (m) => {
        m.w32(R.VIRTIO_MMIO_QUEUE_NOTIFY, 7);
      },
    ],
  ];

  it.each(cases)('%s', (_name, poison) => {
    const { m, q } = setup();
    m.ack();
    expect(() => {
      poison(m, q);
      q.kick();
    }).not.toThrow();
    expectNeedsReset(m, q);
    // A reset brings the device back.
    const [q2] = m.init();
    expect(m.status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET).toBe(0);
    q2!.submit([{ out: readHeader() }, { in: 512 }, { in: 1 }]);
    q2!.kick();
    expect(q2!.takeUsed()).toHaveLength(1);
  });

  it('indirect descriptor when INDIRECT_DESC was not negotiated', () => {
    const { m, q } = setup(0n);
    q.submit([{ out: readHeader() }, { in: 512 }, { in: 1 }], { indirect: true });
    expect(() => q.kick()).not.toThrow();
    expectNeedsReset(m, q);
  });

  const layouts: [string, (m: TestMachine) => { desc: number; avail: number; used: number }][] = [
    ['unaligned descriptor table', (m) => ({ desc: m.alloc(300) + 8, avail: m.alloc(64, 2), used: m.alloc(200, 4) })],
    ['unaligned available ring', (m) => ({ desc: m.alloc(256), avail: m.alloc(64, 2) + 1, used: m.alloc(200, 4) })],
    ['unaligned used ring', (m) => ({ desc: m.alloc(256), avail: m.alloc(64, 2), used: m.alloc(200, 4) + 2 })],
    ['used ring outside RAM', (m) => ({ desc: m.alloc(256), avail: m.alloc(64, 2), used: RAM_BASE + RAM_SIZE - 16 })],
  ];
  it.each(layouts)('%s: flagged at QueueReady, interrupt delivered at DRIVER_OK', (_name, layout) => {
    const m = new TestMachine(new VirtioBlock({ backend: new MemoryBlockBackend(4096) }), RAM_SIZE);
    let flaggedBeforeDriverOk = false;
    expect(() =>
      m.init({
        beforeDriverOk: () => {
          m.w32(R.VIRTIO_MMIO_QUEUE_SEL, 0);
          m.w32(R.VIRTIO_MMIO_QUEUE_READY, 0);
          m.setupQueue(0, 16, layout(m));
          flaggedBeforeDriverOk = (m.status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET) !== 0 && !m.irq.level;
        },
      }),
    ).not.toThrow();
    expect(flaggedBeforeDriverOk).toBe(true);
    expect(m.status() & VIRTIO_STATUS_DRIVER_OK).toBe(VIRTIO_STATUS_DRIVER_OK);
    expect(m.r32(R.VIRTIO_MMIO_INTERRUPT_STATUS)).toBe(2);
    expect(m.irq.level).toBe(true);
  });

  it('queue size that is not a power of two', () => {
    const m = new TestMachine(new VirtioBlock({ backend: new MemoryBlockBackend(4096) }));
    m.init({ queueSizes: [12] });
    expect(m.status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET).toBe(VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  });
});

describe('used buffer notification suppression', () => {
  it('honours VIRTQ_AVAIL_F_NO_INTERRUPT without EVENT_IDX', () => {
    const { m, q } = setup(featureBit(VIRTIO_F_VERSION_1));
    m.ack();
    q.setNoInterrupt(true);
    q.submit([{ out: readHeader() }, { in: 512 }, { in: 1 }]);
    q.kick();
    expect(q.takeUsed()).toHaveLength(1);
    expect(m.irq.level).toBe(false);
    q.setNoInterrupt(false);
    q.submit([{ out: readHeader() }, { in: 512 }, { in: 1 }]);
    q.kick();
    expect(m.irq.level).toBe(true);
  });

  it('with EVENT_IDX interrupts only when used idx passes used_event, and publishes avail_event', () => {
    const { m, q } = setup(featureBit(VIRTIO_F_RING_EVENT_IDX));
    expect(m.transport.negotiatedFeatures & featureBit(VIRTIO_F_RING_EVENT_IDX)).not.toBe(0n);
    m.ack();
    // First completion after activation always notifies (no previous signal to compare with).
    q.setUsedEvent(0);
    q.submit([{ out: readHeader() }, { in: 512 }, { in: 1 }]);
    q.kick();
    expect(m.ack()).toBe(1);
    expect(q.availEvent()).toBe(1);
    // Driver asks to be woken only when used idx moves past 3 (i.e. on the 4th completion).
    q.setUsedEvent(3);
    const irqs: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      q.submit([{ out: readHeader() }, { in: 512 }, { in: 1 }]);
      q.kick();
      irqs.push(m.ack() !== 0);
      expect(q.availEvent()).toBe(i + 2);
    }
    // used idx goes 2, 3, 4, 5 → only the step to 4 crosses used_event 3.
    expect(irqs).toEqual([false, false, true, false]);
    expect(q.takeUsed()).toHaveLength(5);
  });

  it('batches several chains per notification and wraps 16-bit indices', () => {
    const { m, q } = setup(featureBit(VIRTIO_F_RING_EVENT_IDX));
    // Pretend a long history: move both sides' indices close to the 16-bit wrap.
    const state = m.transport.snapshot();
    const qs = { ...state.queues[0]!, lastAvailIdx: 0xfffd, usedIdx: 0xfffd, signalledUsed: 0xfffd, signalledUsedValid: true };
    m.transport.restore({ ...state, queues: [qs] });
    q.setIndices(0xfffd);
    q.setUsedEvent(0xfffe);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) q.submit([{ out: readHeader(i) }, { in: 512 }, { in: 1 }]);
      q.kick();
      expect(q.takeUsed().map((u) => u.len)).toEqual([513, 513, 513]);
      // used idx 0xfffd → 0x0000 passes used_event 0xfffe (wrapping) in round 0 only.
      expect(m.ack()).toBe(round === 0 ? 1 : 0);
    }
    expect(q.usedIdx()).toBe(6);
    expect(q.availEvent()).toBe(6);
  });
});

describe('indirect descriptors', () => {
  it('mixes a direct read with an indirect one', () => {
    const { q } = setup(featureBit(VIRTIO_F_RING_INDIRECT_DESC));
    q.submit([{ out: readHeader(1) }, { in: 512 }, { in: 1 }], { indirect: true });
    q.submit([{ out: readHeader(2) }, { in: 256 }, { in: 256 }, { in: 1 }]);
    q.kick();
    const used = q.takeUsed();
    expect(used.map((u) => u.len)).toEqual([513, 513]);
  });
});
