import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlockBackend } from '../block/backend.js';
import { FileBlockBackend } from '../block/file.js';
import { MemoryBlockBackend } from '../block/memory.js';
import { OverlayBlockBackend } from '../block/overlay.js';
import {
  VIRTIO_BLK_F_CONFIG_WCE,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VirtioBlock,
} from './blk.js';
import { featureBit, VIRTIO_F_VERSION_1, VIRTIO_STATUS_DEVICE_NEEDS_RESET } from './constants.js';
import { TestMachine, type DriverQueue } from './test-support/driver.js';

const IMAGE_SIZE = 64 * 1024;

function header(type: number, sector: number): Uint8Array {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint32(0, type, true);
  v.setBigUint64(8, BigInt(sector), true);
  return h;
}

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

interface Done {
  status: number;
  len: number;
  data: Uint8Array;
}

/** Submit one request: header, optional out data, `inLen` data bytes to receive, status byte. */
function request(m: TestMachine, q: DriverQueue, type: number, sector: number, out?: Uint8Array, inLen = 0, indirect = false): Done {
  const bufs = [{ out: header(type, sector) }, ...(out ? [{ out }] : []), ...(inLen ? [{ in: inLen }] : []), { in: 1 }];
  const sub = q.submit(bufs, { indirect });
  q.kick();
  const used = q.takeUsed();
  expect(used).toHaveLength(1);
  expect(used[0]!.id).toBe(sub.head);
  const statusAddr = sub.inAddrs[sub.inAddrs.length - 1]!;
  return {
    status: m.ram.read8(statusAddr),
    len: used[0]!.len,
    data: inLen ? m.ram.slice(sub.inAddrs[0]!, inLen).slice() : new Uint8Array(0),
  };
}

const dirs: string[] = [];
const opened: BlockBackend[] = [];
afterEach(() => {
  for (const b of opened.splice(0)) b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempFile(contents: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'vm-blk-'));
  dirs.push(dir);
  const path = join(dir, 'disk.img');
  writeFileSync(path, contents);
  return path;
}

const backends: [string, () => BlockBackend][] = [
  ['memory', () => new MemoryBlockBackend(pattern(IMAGE_SIZE, 1))],
  ['file', () => new FileBlockBackend(tempFile(pattern(IMAGE_SIZE, 1)))],
  ['overlay(memory base)', () => new OverlayBlockBackend(new MemoryBlockBackend(pattern(IMAGE_SIZE, 1), { readOnly: true }))],
  [
    'overlay(file base, file overlay)',
    () => {
      const base = tempFile(pattern(IMAGE_SIZE, 1));
      return new OverlayBlockBackend(new FileBlockBackend(base, { readOnly: true }), { overlayFile: base + '.cow' });
    },
  ],
];

describe.each(backends)('VirtioBlock over %s backend', (_name, make) => {
  function setup(serial = 'vm-disk-0'): { m: TestMachine; q: DriverQueue; backend: BlockBackend } {
    const backend = make();
    opened.push(backend);
    const m = new TestMachine(new VirtioBlock({ backend, serial }));
    const [q] = m.init();
    return { m, q: q!, backend };
  }

  it('reports capacity, seg_max and blk_size in config space', () => {
    const { m } = setup();
    expect(m.transport.read(0x100, 4)).toBe(BigInt(IMAGE_SIZE / 512));
    expect(m.transport.read(0x104, 4)).toBe(0n);
    expect(m.transport.read(0x10c, 4)).toBe(254n);
    expect(m.transport.read(0x114, 4)).toBe(512n);
  });

  it('reads sectors', () => {
    const { m, q } = setup();
    const r = request(m, q, VIRTIO_BLK_T_IN, 3, undefined, 1024);
    expect(r.status).toBe(VIRTIO_BLK_S_OK);
    expect(r.len).toBe(1025);
    expect(r.data).toEqual(pattern(IMAGE_SIZE, 1).subarray(3 * 512, 5 * 512));
  });

  it('writes sectors and reads them back, across segment boundaries', () => {
    const { m, q, backend } = setup();
    const data = pattern(1536, 99);
    const w = request(m, q, VIRTIO_BLK_T_OUT, 10, data);
    expect(w.status).toBe(VIRTIO_BLK_S_OK);
    expect(w.len).toBe(1);
    const r = request(m, q, VIRTIO_BLK_T_IN, 10, undefined, 1536);
    expect(r.data).toEqual(data);
    const direct = new Uint8Array(1536);
    backend.read(10 * 512, direct);
    expect(direct).toEqual(data);
  });

  it('handles a request given as an indirect table', () => {
    const { m, q } = setup();
    const data = pattern(512, 5);
    expect(request(m, q, VIRTIO_BLK_T_OUT, 0, data, 0, true).status).toBe(VIRTIO_BLK_S_OK);
    const r = request(m, q, VIRTIO_BLK_T_IN, 0, undefined, 512, true);
    expect(r.status).toBe(VIRTIO_BLK_S_OK);
    expect(r.data).toEqual(data);
  });

  it('flushes', () => {
    const { m, q } = setup();
    expect(request(m, q, VIRTIO_BLK_T_FLUSH, 0).status).toBe(VIRTIO_BLK_S_OK);
  });

  it('answers GET_ID with the serial', () => {
    const { m, q } = setup();
    const r = request(m, q, VIRTIO_BLK_T_GET_ID, 0, undefined, 20);
    expect(r.status).toBe(VIRTIO_BLK_S_OK);
    expect(new TextDecoder().decode(r.data.subarray(0, 9))).toBe('vm-disk-0');
    expect(r.data[9]).toBe(0);
    expect(r.len).toBe(11);
  });

  it('fails out-of-range and partial-sector transfers with IOERR, unknown types with UNSUPP', () => {
    const { m, q } = setup();
    const sectors = IMAGE_SIZE / 512;
    expect(request(m, q, VIRTIO_BLK_T_IN, sectors, undefined, 512).status).toBe(VIRTIO_BLK_S_IOERR);
    expect(request(m, q, VIRTIO_BLK_T_IN, sectors - 1, undefined, 1024).status).toBe(VIRTIO_BLK_S_IOERR);
    expect(request(m, q, VIRTIO_BLK_T_OUT, sectors, pattern(512, 0)).status).toBe(VIRTIO_BLK_S_IOERR);
    expect(request(m, q, VIRTIO_BLK_T_IN, 2 ** 60, undefined, 512).status).toBe(VIRTIO_BLK_S_IOERR);
    expect(request(m, q, VIRTIO_BLK_T_IN, 0, undefined, 100).status).toBe(VIRTIO_BLK_S_IOERR);
    expect(request(m, q, 99, 0).status).toBe(VIRTIO_BLK_S_UNSUPP);
    expect(m.status() & VIRTIO_STATUS_DEVICE_NEEDS_RESET).toBe(0);
  });
});

describe('VirtioBlock specifics', () => {
  it('offers RO for a read-only backend and fails writes with IOERR', () => {
    const backend = new MemoryBlockBackend(pattern(4096, 3), { readOnly: true });
    const dev = new VirtioBlock({ backend });
    expect(dev.features & featureBit(VIRTIO_BLK_F_RO)).not.toBe(0n);
    const m = new TestMachine(dev);
    const [q] = m.init();
    expect(request(m, q!, VIRTIO_BLK_T_OUT, 0, new Uint8Array(512)).status).toBe(VIRTIO_BLK_S_IOERR);
    expect(backend.bytes).toEqual(pattern(4096, 3));
  });

  it('write-through mode flushes the backend after each write', () => {
    const path = tempFile(new Uint8Array(4096));
    const backend = new FileBlockBackend(path);
    const m = new TestMachine(new VirtioBlock({ backend }));
    // FLUSH not negotiated → write-through (§5.2.5)
    const [q] = m.init({ wanted: featureBit(VIRTIO_F_VERSION_1) });
    request(m, q!, VIRTIO_BLK_T_OUT, 1, pattern(512, 8));
    expect(readFileSync(path).subarray(512, 1024)).toEqual(Buffer.from(pattern(512, 8)));
    backend.close();
  });

  it('CONFIG_WCE lets the driver switch to write-through through config space', () => {
    const path = tempFile(new Uint8Array(4096));
    const backend = new FileBlockBackend(path);
    const m = new TestMachine(new VirtioBlock({ backend }));
    const [q] = m.init({ wanted: featureBit(VIRTIO_BLK_F_FLUSH) | featureBit(VIRTIO_BLK_F_CONFIG_WCE) });
    expect(m.transport.read(0x120, 1)).toBe(1n);
    request(m, q!, VIRTIO_BLK_T_OUT, 0, pattern(512, 1));
    expect(readFileSync(path).subarray(0, 512)).toEqual(Buffer.alloc(512));
    m.transport.write(0x120, 1, 0n);
    expect(m.transport.read(0x120, 1)).toBe(0n);
    // switching to write-through flushed the cache
    expect(readFileSync(path).subarray(0, 512)).toEqual(Buffer.from(pattern(512, 1)));
    request(m, q!, VIRTIO_BLK_T_OUT, 2, pattern(512, 2));
    expect(readFileSync(path).subarray(1024, 1536)).toEqual(Buffer.from(pattern(512, 2)));
    backend.close();
  });

  it('raises a used-buffer interrupt after completing requests', () => {
    const m = new TestMachine(new VirtioBlock({ backend: new MemoryBlockBackend(4096) }));
    const [q] = m.init();
    request(m, q!, VIRTIO_BLK_T_IN, 0, undefined, 512);
    expect(m.irq.level).toBe(true);
    expect(m.ack()).toBe(1);
    expect(m.irq.level).toBe(false);
  });
});
