import { describe, expect, it } from 'vitest';
import { LevelIrqLine } from '@vm/core';
import {
  PIO_CMD_FLUSH,
  PIO_CMD_READ,
  PIO_CMD_WRITE,
  PIO_DISK_MAGIC,
  PIO_STATUS_BUSY,
  PIO_STATUS_DONE,
  PIO_STATUS_DRQ,
  PIO_STATUS_ERR,
  PioDisk,
  type PioDiskBackend,
  type PioDiskState,
} from './pio-disk.js';
import { SnapshotShapeError, SnapshotVersionError } from './snapshot-version.js';

const MAGIC = 0x00;
const CAP_LO = 0x04;
const CAP_HI = 0x08;
const LBA_LO = 0x0c;
const LBA_HI = 0x10;
const COUNT = 0x14;
const COMMAND = 0x18;
const STATUS = 0x1c;
const DATA = 0x20;
const IRQ_ENABLE = 0x24;
const IRQ_ACK = 0x28;

class TestBackend implements PioDiskBackend {
  readonly bytes: Uint8Array;
  flushes = 0;
  failReads = false;
  constructor(
    size: number,
    readonly readOnly = false,
  ) {
    this.bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) this.bytes[i] = (i * 7 + (i >> 9)) & 0xff;
  }
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, into: Uint8Array): void {
    if (this.failReads) throw new Error('media error');
    into.set(this.bytes.subarray(offset, offset + into.length));
  }
  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error('read-only');
    this.bytes.set(data, offset);
  }
  flush(): void {
    this.flushes++;
  }
}

function setup(sectors = 16, readOnly = false) {
  const backend = new TestBackend(sectors * 512, readOnly);
  const irq = new LevelIrqLine();
  const dev = new PioDisk({ backend, irq });
  const r = (off: number) => Number(dev.read(off, 4));
  const w = (off: number, v: number) => dev.write(off, 4, BigInt(v));
  const command = (cmd: number, lba: number, count: number) => {
    w(LBA_LO, lba % 0x1_0000_0000);
    w(LBA_HI, Math.floor(lba / 0x1_0000_0000));
    w(COUNT, count);
    w(COMMAND, cmd);
  };
  const readWords = (n: number) => Array.from({ length: n }, () => r(DATA));
  return { backend, irq, dev, r, w, command, readWords };
}

function wordsOf(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(i * 4, true));
}

describe('PioDisk', () => {
  it('identifies itself and reports its capacity in sectors', () => {
    const { dev, r } = setup(16);
    expect(dev.size).toBe(0x1000);
    expect(dev.accessWidths).toEqual([4]);
    expect(r(MAGIC)).toBe(PIO_DISK_MAGIC);
    expect(r(MAGIC)).toBe(0x44494f50);
    expect(r(CAP_LO)).toBe(16);
    expect(r(CAP_HI)).toBe(0);
    expect(r(STATUS)).toBe(0);
  });

  it('splits a capacity above 2^32 sectors into LO and HI', () => {
    const backend: PioDiskBackend = { size: (2 ** 32 + 5) * 512, readOnly: true, read() {}, write() {}, flush() {} };
    const dev = new PioDisk({ backend, irq: new LevelIrqLine() });
    expect(dev.read(CAP_LO, 4)).toBe(5n);
    expect(dev.read(CAP_HI, 4)).toBe(1n);
  });

  it('reads sectors word by word through DATA, then sets DONE', () => {
    const { backend, r, command, readWords } = setup();
    command(PIO_CMD_READ, 3, 2);
    expect(r(STATUS)).toBe(PIO_STATUS_BUSY | PIO_STATUS_DRQ);
    const first = readWords(128);
    expect(first).toEqual(wordsOf(backend.bytes.subarray(3 * 512, 4 * 512)));
    expect(r(STATUS)).toBe(PIO_STATUS_BUSY | PIO_STATUS_DRQ);
    const second = readWords(128);
    expect(second).toEqual(wordsOf(backend.bytes.subarray(4 * 512, 5 * 512)));
    expect(r(STATUS)).toBe(PIO_STATUS_DONE);
    // Without DRQ, DATA reads as zero and counts as a guest error.
    expect(r(DATA)).toBe(0);
  });

  it('writes sectors word by word; each sector is stored when complete', () => {
    const { backend, r, w, command } = setup();
    command(PIO_CMD_WRITE, 5, 2);
    expect(r(STATUS)).toBe(PIO_STATUS_BUSY | PIO_STATUS_DRQ);
    for (let i = 0; i < 127; i++) w(DATA, 0x01020304 + i);
    // The first sector is not stored until its last word arrives.
    expect(backend.bytes[5 * 512]).not.toBe(0x04);
    w(DATA, 0xdeadbeef);
    expect(wordsOf(backend.bytes.subarray(5 * 512, 6 * 512))[0]).toBe(0x01020304);
    expect(wordsOf(backend.bytes.subarray(5 * 512, 6 * 512))[127]).toBe(0xdeadbeef);
    for (let i = 0; i < 128; i++) w(DATA, i);
    expect(wordsOf(backend.bytes.subarray(6 * 512, 7 * 512))).toEqual(Array.from({ length: 128 }, (_, i) => i));
    expect(r(STATUS)).toBe(PIO_STATUS_DONE);
  });

  it('reads back what was written', () => {
    const { r, w, command, readWords } = setup();
    command(PIO_CMD_WRITE, 0, 1);
    for (let i = 0; i < 128; i++) w(DATA, (i * 0x9e3779b9) >>> 0);
    command(PIO_CMD_READ, 0, 1);
    expect(readWords(128)).toEqual(Array.from({ length: 128 }, (_, i) => (i * 0x9e3779b9) >>> 0));
    expect(r(STATUS)).toBe(PIO_STATUS_DONE);
  });

  it('flushes the backend', () => {
    const { backend, r, w } = setup();
    w(COMMAND, PIO_CMD_FLUSH);
    expect(backend.flushes).toBe(1);
    expect(r(STATUS)).toBe(PIO_STATUS_DONE);
  });

  it('reports ERR for out-of-range, zero-count, unknown and read-only commands', () => {
    const { r, w, command } = setup(16);
    command(PIO_CMD_READ, 15, 2);
    expect(r(STATUS)).toBe(PIO_STATUS_ERR);
    command(PIO_CMD_READ, 2 ** 32, 1);
    expect(r(STATUS)).toBe(PIO_STATUS_ERR);
    command(PIO_CMD_READ, 0, 0);
    expect(r(STATUS)).toBe(PIO_STATUS_ERR);
    command(PIO_CMD_READ, 15, 1);
    expect(r(STATUS)).toBe(PIO_STATUS_BUSY | PIO_STATUS_DRQ);
    w(COMMAND, PIO_CMD_FLUSH); // while busy: aborts the read
    expect(r(STATUS)).toBe(PIO_STATUS_ERR);
    w(COMMAND, 9);
    expect(r(STATUS)).toBe(PIO_STATUS_ERR);

    const ro = setup(4, true);
    ro.command(PIO_CMD_WRITE, 0, 1);
    expect(ro.r(STATUS)).toBe(PIO_STATUS_ERR);
    ro.command(PIO_CMD_READ, 0, 1);
    expect(ro.r(STATUS)).toBe(PIO_STATUS_BUSY | PIO_STATUS_DRQ);
  });

  it('turns backend failures into ERR instead of throwing', () => {
    const { backend, r, command } = setup();
    backend.failReads = true;
    expect(() => command(PIO_CMD_READ, 0, 1)).not.toThrow();
    expect(r(STATUS)).toBe(PIO_STATUS_ERR);
  });

  it('raises a level interrupt on DONE/ERR when enabled, until acknowledged', () => {
    const { irq, r, w, command, readWords } = setup();
    command(PIO_CMD_READ, 0, 1);
    readWords(128);
    expect(irq.level).toBe(false); // pending, but not enabled
    w(IRQ_ENABLE, 1);
    expect(r(IRQ_ENABLE)).toBe(1);
    expect(irq.level).toBe(true);
    w(IRQ_ACK, 1);
    expect(irq.level).toBe(false);
    command(PIO_CMD_READ, 99, 1);
    expect(irq.level).toBe(true);
    w(IRQ_ACK, 0); // only bit 0 acknowledges
    expect(irq.level).toBe(true);
    w(IRQ_ACK, 1);
    w(IRQ_ENABLE, 0);
    command(PIO_CMD_READ, 99, 1);
    expect(irq.level).toBe(false);
  });

  it('keeps register values, ignores writes to read-only registers and unknown offsets', () => {
    const { dev, r, w } = setup();
    w(LBA_LO, 0x12345678);
    w(LBA_HI, 0x9abcdef0);
    w(COUNT, 77);
    expect([r(LBA_LO), r(LBA_HI), r(COUNT), r(COMMAND), r(IRQ_ACK)]).toEqual([0x12345678, 0x9abcdef0, 77, 0, 0]);
    w(MAGIC, 0);
    w(STATUS, 0xf);
    w(0x100, 1);
    expect(r(MAGIC)).toBe(PIO_DISK_MAGIC);
    expect(r(STATUS)).toBe(0);
    expect(r(0x100)).toBe(0);
    expect(dev.guestErrors).toBe(4);
  });

  it('snapshots and restores a transfer in progress', () => {
    const a = setup();
    a.command(PIO_CMD_READ, 2, 2);
    const head = a.readWords(100);
    const state = a.dev.snapshot();
    expect(state.version).toBe(1);
    const tailA = a.readWords(156);

    const b = setup();
    b.w(IRQ_ENABLE, 1);
    b.dev.restore(structuredClone(state));
    expect(b.readWords(156)).toEqual(tailA);
    expect(b.r(STATUS)).toBe(PIO_STATUS_DONE);
    expect(b.irq.level).toBe(false); // IRQ_ENABLE came back from the snapshot (off)
    expect([...head, ...tailA]).toEqual(wordsOf(a.backend.bytes.subarray(2 * 512, 4 * 512)));
  });

  it('restores the interrupt line level', () => {
    const a = setup();
    a.w(IRQ_ENABLE, 1);
    a.w(COMMAND, PIO_CMD_FLUSH);
    expect(a.irq.level).toBe(true);
    const b = setup();
    b.dev.restore(a.dev.snapshot());
    expect(b.irq.level).toBe(true);
    b.dev.reset();
    expect(b.irq.level).toBe(false);
    expect(b.r(STATUS)).toBe(0);
  });

  it('refuses unknown versions and malformed snapshots', () => {
    const { dev } = setup(4);
    const good = dev.snapshot();
    expect(() => dev.restore({ ...good, version: 2 } as unknown as PioDiskState)).toThrow(SnapshotVersionError);
    expect(() => dev.restore({ ...good, buffer: new Uint8Array(3) })).toThrow(SnapshotShapeError);
    expect(() => dev.restore({ ...good, transfer: 'read', xferLba: 3, xferCount: 2 })).toThrow(SnapshotShapeError);
  });
});

describe('PIO disk durability (issue 16, item 4)', () => {
  it('a WRITE is DONE only after the backend flushed it: guests never send FLUSH to this device', () => {
    const { backend, r, w, command } = setup();
    command(PIO_CMD_WRITE, 2, 2);
    for (let i = 0; i < 256; i++) {
      expect(backend.flushes).toBe(0);
      w(DATA, i);
    }
    expect(backend.flushes).toBe(1);
    expect(r(STATUS)).toBe(PIO_STATUS_DONE);
  });

  it('a FileBlockBackend image holds a completed write with no FLUSH and no close', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { FileBlockBackend } = await import('../block/file.js');
    const img = join(mkdtempSync(join(tmpdir(), 'pio-')), 'd.img');
    writeFileSync(img, new Uint8Array(16 * 512));
    const backend = new FileBlockBackend(img);
    const dev = new PioDisk({ backend, irq: new LevelIrqLine() });
    const w = (off: number, v: number) => dev.write(off, 4, BigInt(v));
    w(LBA_LO, 3);
    w(LBA_HI, 0);
    w(COUNT, 1);
    w(COMMAND, PIO_CMD_WRITE);
    for (let i = 0; i < 128; i++) w(DATA, 0x01020304);
    expect(readFileSync(img)[3 * 512]).toBe(4);
  });
});
