import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '@vm/core';
import { readSnapshot, writeSnapshot } from './vmsnap-file.js';
import { Captured, kernelBoard, runUntil, tempDir } from './test-support/kernel-board.js';
import { fromPlainJson, toPlainJson } from './plain-json.js';
import type { MachineSnapshot } from './machine-snapshot.js';

/** Where each section's payload lies in a .vmsnap image (parsed independently of the reader). */
function sections(bytes: Uint8Array): Map<string, { start: number; length: number }> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, { start: number; length: number }>();
  let at = 16;
  for (let i = 0; i < v.getUint32(12, true); i++) {
    const n = v.getUint16(at, true);
    const name = Buffer.from(bytes.subarray(at + 2, at + 2 + n)).toString();
    const length = Number(v.getBigUint64(at + 2 + n, true));
    out.set(name, { start: at + 2 + n + 12, length });
    at += 2 + n + 12 + length;
  }
  return out;
}

describe('.vmsnap files', () => {
  const dir = tempDir();
  const good = join(dir, 'good.vmsnap');
  let bytes: Uint8Array;
  beforeAll(() => {
    const m = kernelBoard('workload=disk', new Captured(), 32 << 20);
    runUntil(m, 3_000_000);
    writeSnapshot(good, m.snapshot());
    bytes = new Uint8Array(readFileSync(good));
  }, 120_000); // 3M guest instructions: seconds alone, more than vitest's 10 s hook default under `pnpm test`'s load

  const broken = (name: string, edit: (b: Uint8Array) => Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, edit(bytes.slice()));
    return path;
  };
  const failure = (path: string): FormatError => {
    try {
      readSnapshot(path);
    } catch (e) {
      if (e instanceof FormatError) return e;
      throw e;
    }
    throw new Error('read succeeded');
  };

  it('round-trips: sections header, ram and both disks', () => {
    expect([...sections(bytes).keys()]).toEqual(['header', 'ram', 'disk0', 'disk1']);
    const s = readSnapshot(good);
    expect(s.config.memory).toBe(32 << 20);
    expect(s.disks.map((d) => d.kind)).toEqual(['memory', 'memory']);
  });

  it('refuses a file that is not a snapshot (magic)', () => {
    const e = failure(broken('magic.vmsnap', (b) => ((b[0] = 0x7f), b)));
    expect(e.field).toBe('magic');
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/magic\.vmsnap: at offset 0x0 \(magic\): not a vm snapshot/);
  });

  it('refuses an unknown format version', () => {
    const e = failure(broken('version.vmsnap', (b) => (new DataView(b.buffer).setUint32(8, 2, true), b)));
    expect(e.field).toBe('version');
    expect(e.message).toMatch(/\(version\): snapshot format version 2 is not supported \(this build reads version 1\)/);
  });

  it('names the section and offset of a truncated file', () => {
    const ram = sections(bytes).get('ram')!;
    const e = failure(broken('cut.vmsnap', (b) => b.subarray(0, ram.start + 100)));
    expect(e.field).toBe("section 'ram'");
    expect(e.offset).toBe(ram.start);
    expect(e.message).toMatch(new RegExp(`truncated: needs ${ram.length} bytes at offset ${ram.start}, the file ends at ${ram.start + 100}`));
    const e2 = failure(broken('cut2.vmsnap', (b) => b.subarray(0, b.length - 5)));
    expect(e2.field).toBe('trailer');
    expect(e2.message).toMatch(/truncated/);
    const e3 = failure(broken('cut3.vmsnap', (b) => b.subarray(0, 6)));
    expect(e3.field).toBe('magic');
  });

  it('names the section whose checksum does not match', () => {
    const disk1 = sections(bytes).get('disk1')!;
    const e = failure(broken('crc.vmsnap', (b) => ((b[disk1.start + 20] ^= 1), b)));
    expect(e.field).toBe("section 'disk1'");
    expect(e.message).toMatch(/checksum mismatch: CRC-32 is 0x[0-9a-f]{8}, recorded 0x[0-9a-f]{8}/);
    const e2 = failure(broken('sha.vmsnap', (b) => ((b[b.length - 1] ^= 1), b)));
    expect(e2.field).toBe('trailer');
    expect(e2.message).toMatch(/SHA-256 over the file does not match/);
  });

  it('reads version 1 headers (fixed device fields, a virtio array) as version 2', { timeout: 120_000 }, () => {
    // Version 1 boards had modern virtio-mmio only.
    const modern = kernelBoard('workload=disk', new Captured(), 32 << 20, false);
    runUntil(modern, 3_000_000);
    const v2 = modern.snapshot();
    const { pioDisk, uart, clint, plic, test, rtc, ...rest } = v2.devices;
    expect(Object.keys(rest)).toEqual(['virtio-mmio@10008000']);
    const { forceLegacy, ...configV1 } = v2.config;
    expect(forceLegacy).toBe(false);
    // The header as the code before the device registry wrote it.
    const v1 = { ...v2, version: 1, config: configV1, devices: { uart, clint, plic, test, rtc, pioDisk, virtio: [rest['virtio-mmio@10008000']] } };
    const file = join(dir, 'v1.vmsnap');
    writeSnapshot(file, v1 as unknown as MachineSnapshot);
    const back = readSnapshot(file);
    expect(back.version).toBe(2);
    // Field by field: deep equality over RAM-sized typed arrays is slow, their JSON is not.
    expect(back.config).toEqual(v2.config);
    expect(back.devices).toEqual(v2.devices);
    const { config: _c, devices: _d, version: _v, ...restBack } = back;
    const { config: _c2, devices: _d2, version: _v2, ...restV2 } = v2;
    expect(toPlainJson(restBack)).toBe(toPlainJson(restV2));
    const m = kernelBoard('workload=disk', new Captured(), 32 << 20, false);
    m.restore(back);
    expect(m.snapshot().devices).toEqual(v2.devices);
  });

  it('names a missing file', () => {
    expect(() => readSnapshot(join(dir, 'nope.vmsnap'))).toThrow(/nope\.vmsnap.*no such file/);
  });

  it('keeps bigints and typed arrays exactly', () => {
    const v = { a: 1n << 63n, b: new BigUint64Array([5n, 1n << 64n - 1n]), c: Uint8Array.of(1, 2, 3), d: [null, -0.5], e: undefined };
    const back = fromPlainJson(toPlainJson(v)) as typeof v;
    expect(back.a).toBe(v.a);
    expect([...back.b]).toEqual([...v.b]);
    expect(back.c).toBeInstanceOf(Uint8Array);
    expect([...back.c]).toEqual([1, 2, 3]);
    expect(back.d).toEqual([null, -0.5]);
  });
});
