import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, FormatError } from '@vm/core';
import { FDT_MAGIC, Fdt } from './fdt.js';
import type { FdtNode } from './node.js';
import { parseFdt, parseFdtHeader } from './parse.js';

function hasTool(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}
const hasQemu = hasTool('qemu-system-riscv64');
const hasDtc = hasTool('dtc');

/** A small virt-like tree. */
function sampleTree(): Fdt {
  const fdt = new Fdt({ bootCpuidPhys: 0 });
  fdt.reserveMemory(0x8000_0000n, 0x20_0000n);
  const root = fdt.root
    .u32('#address-cells', 2)
    .u32('#size-cells', 2)
    .string('compatible', 'riscv-virtio')
    .string('model', 'riscv-virtio,qemu');
  root.node('chosen').string('stdout-path', '/soc/serial@10000000').string('bootargs', '');
  root.node('memory@80000000').string('device_type', 'memory').u64s('reg', [0x8000_0000n, 0x1000_0000n]);
  const cpus = root.node('cpus').u32('#address-cells', 1).u32('#size-cells', 0).u32('timebase-frequency', 10_000_000);
  const cpu = cpus.node('cpu@0').string('device_type', 'cpu').u32('reg', 0).string('status', 'okay');
  cpu.string('riscv,isa', 'rv64imafdc').string('mmu-type', 'riscv,sv48');
  const intc = cpu.node('interrupt-controller').u32('#interrupt-cells', 1).empty('interrupt-controller');
  intc.string('compatible', 'riscv,cpu-intc');
  const intcPh = intc.phandle();
  const soc = root.node('soc').u32('#address-cells', 2).u32('#size-cells', 2);
  soc.strings('compatible', ['simple-bus']).empty('ranges');
  const plic = soc.node('plic@c000000');
  const plicPh = plic.phandle();
  plic
    .u32('riscv,ndev', 95)
    .u64s('reg', [0xc00_0000n, 0x60_0000n])
    .cells('interrupts-extended', [intcPh, 11, intcPh, 9])
    .empty('interrupt-controller')
    .strings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
    .u32('#interrupt-cells', 1);
  soc
    .node('serial@10000000')
    .u32('interrupts', 10)
    .u32('interrupt-parent', plicPh)
    .u32('clock-frequency', 0x38_4000)
    .u64s('reg', [0x1000_0000n, 0x100n])
    .string('compatible', 'ns16550a');
  return fdt;
}

function countOccurrences(hay: Uint8Array, needle: string): number {
  const n = new TextEncoder().encode(needle + '\0');
  let count = 0;
  outer: for (let i = 0; i + n.length <= hay.length; i++) {
    for (let j = 0; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
    count++;
  }
  return count;
}

function describeTree(node: FdtNode): unknown {
  return {
    name: node.name,
    props: node.properties.map((p) => [p.name, Array.from(p.value)]),
    children: node.children.map(describeTree),
  };
}

describe('Fdt builder', () => {
  it('writes a version-17 header with consistent offsets and sizes', () => {
    const blob = sampleTree().toBlob();
    const view = new DataView(blob.buffer);
    const h = parseFdtHeader(blob);
    expect(view.getUint32(0, false)).toBe(0xd00dfeed);
    expect(h.magic).toBe(FDT_MAGIC);
    expect(h.totalSize).toBe(blob.length);
    expect(h.version).toBe(17);
    expect(h.lastCompVersion).toBe(16);
    expect(h.bootCpuidPhys).toBe(0);
    expect(h.offMemRsvmap).toBe(40);
    expect(h.offMemRsvmap % 8).toBe(0);
    expect(h.offDtStruct).toBe(40 + 16 * 2); // one entry + terminator
    expect(h.offDtStruct % 4).toBe(0);
    expect(h.offDtStrings).toBe(h.offDtStruct + h.sizeDtStruct!);
    expect(h.offDtStrings + h.sizeDtStrings).toBe(h.totalSize);
    // The structure block opens with FDT_BEGIN_NODE and an empty, padded root name, ends with FDT_END.
    expect(view.getUint32(h.offDtStruct, false)).toBe(1);
    expect(view.getUint32(h.offDtStruct + 4, false)).toBe(0);
    expect(view.getUint32(h.offDtStruct + h.sizeDtStruct! - 4, false)).toBe(9);
    expect(view.getBigUint64(40, false)).toBe(0x8000_0000n);
    expect(view.getBigUint64(48, false)).toBe(0x20_0000n);
  });

  it('stores each property name once in the strings block', () => {
    const blob = sampleTree().toBlob();
    const h = parseFdtHeader(blob);
    const strings = blob.subarray(h.offDtStrings, h.offDtStrings + h.sizeDtStrings);
    expect(countOccurrences(strings, 'compatible')).toBe(1);
    expect(countOccurrences(strings, '#address-cells')).toBe(1);
    expect(countOccurrences(strings, 'reg')).toBe(1);
  });

  it('allocates phandles once per node, counting up from 1', () => {
    const fdt = sampleTree();
    const intc = fdt.find('/cpus/cpu@0/interrupt-controller')!;
    const plic = fdt.find('/soc/plic@c000000')!;
    expect(intc.phandle()).toBe(1);
    expect(plic.phandle()).toBe(2);
    expect(fdt.root.node('x').phandle()).toBe(3);
    expect(fdt.byPhandle(2)).toBe(plic);
    expect(plic.prop('interrupts-extended')!.cells()).toEqual([1, 11, 1, 9]);
  });

  it('encodes values big-endian and pads them to 4 bytes', () => {
    const fdt = new Fdt();
    fdt.root.u64('big', 0x0102_0304_0506_0708n).string('s', 'abcde').bytes('raw', [1, 2, 3]).empty('e');
    const blob = fdt.toBlob();
    const h = parseFdtHeader(blob);
    expect(h.sizeDtStruct! % 4).toBe(0);
    const back = parseFdt(blob).root;
    expect(Array.from(back.prop('big')!.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(back.prop('big')!.cells()).toEqual([0x0102_0304, 0x0506_0708]);
    expect(back.prop('s')!.length).toBe(6);
    expect(Array.from(back.prop('raw')!.value)).toEqual([1, 2, 3]);
    expect(back.prop('e')!.isEmpty).toBe(true);
  });

  it('replaces a property set twice in place and rejects bad names and values', () => {
    const fdt = new Fdt();
    const n = fdt.root.node('dev@1').string('status', 'disabled').u32('a', 1);
    n.string('status', 'okay');
    expect(n.properties.map((p) => p.name)).toEqual(['status', 'a']);
    expect(n.prop('status')!.string()).toBe('okay');
    expect(n.remove('a')).toBe(true);
    expect(() => fdt.root.node('dev@1')).toThrow(ConfigError);
    expect(() => fdt.root.node('bad name')).toThrow(ConfigError);
    expect(() => n.u32('bad name', 1)).toThrow(ConfigError);
    expect(() => n.u32('x', -1)).toThrow(ConfigError);
    expect(() => n.u32('x', 2 ** 32)).toThrow(ConfigError);
    expect(() => n.u64('x', -1n)).toThrow(ConfigError);
    expect(() => n.string('x', 'a\0b')).toThrow(ConfigError);
  });
});

describe('parseFdt', () => {
  it('round-trips a built tree: same nodes, properties and reservations, identical bytes', () => {
    const fdt = sampleTree();
    const blob = fdt.toBlob();
    const parsed = parseFdt(blob, 'sample.dtb');
    expect(describeTree(parsed.root)).toEqual(describeTree(fdt.root));
    expect(parsed.reservations).toEqual([{ address: 0x8000_0000n, size: 0x20_0000n }]);
    expect(parsed.toBlob()).toEqual(blob);
  });

  it('gives typed access to property values', () => {
    const fdt = parseFdt(sampleTree().toBlob());
    expect(fdt.find('/cpus')!.prop('timebase-frequency')!.u32()).toBe(10_000_000);
    expect(fdt.find('/memory@80000000')!.prop('reg')!.u64s()).toEqual([0x8000_0000n, 0x1000_0000n]);
    expect(fdt.find('/memory@80000000')!.prop('reg')!.u64(1)).toBe(0x1000_0000n);
    expect(fdt.find('/soc/plic@c000000')!.prop('compatible')!.strings()).toEqual(['sifive,plic-1.0.0', 'riscv,plic0']);
    expect(fdt.find('/soc/serial')!.prop('compatible')!.string()).toBe('ns16550a'); // name without unit address
    expect(fdt.find('/chosen')!.prop('bootargs')!.string()).toBe('');
    expect(fdt.find('/soc/serial@10000000')!.path).toBe('/soc/serial@10000000');
    expect(fdt.find('/nope')).toBeUndefined();
    // A parsed tree continues phandle allocation after the largest phandle it contains.
    expect(fdt.root.node('new').phandle()).toBe(3);
  });

  it('reports malformed property values as FormatErrors with the value offset', () => {
    const blob = sampleTree().toBlob();
    const fdt = parseFdt(blob, 'sample.dtb');
    const cells = fdt.root.prop('#size-cells')!;
    expect(() => fdt.root.prop('#size-cells')!.u32(1)).toThrow(FormatError);
    expect(() => fdt.root.prop('#size-cells')!.string()).toThrow(/not NUL-terminated/);
    expect(() => fdt.find('/soc/plic@c000000')!.prop('compatible')!.string()).toThrow(/one string/);
    expect(() => cells.u64()).toThrow(`sample.dtb: at offset 0x${cells.source.offset.toString(16)} (property #size-cells)`);
  });

  function expectFormatError(blob: Uint8Array, field: RegExp | string): void {
    let err: unknown;
    try {
      parseFdt(blob, 'bad.dtb');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).field).toMatch(field);
    expect((err as FormatError).file).toBe('bad.dtb');
  }

  function mutate(edit: (view: DataView, blob: Uint8Array, h: ReturnType<typeof parseFdtHeader>) => void): Uint8Array {
    const blob = sampleTree().toBlob();
    const h = parseFdtHeader(blob);
    edit(new DataView(blob.buffer), blob, h);
    return blob;
  }

  it('rejects malformed blobs with clear FormatErrors', () => {
    expectFormatError(new Uint8Array(10), 'header');
    expectFormatError(mutate((v) => v.setUint32(0, 0xdeadbeef)), 'magic');
    expectFormatError(mutate((v, b) => v.setUint32(4, b.length + 4)), 'totalsize');
    expectFormatError(mutate((v) => v.setUint32(0x14, 3)), 'version');
    expectFormatError(mutate((v) => v.setUint32(0x18, 18)), 'last_comp_version');
    expectFormatError(mutate((v, b) => v.setUint32(0x08, b.length + 8)), 'off_dt_struct');
    expectFormatError(mutate((v) => v.setUint32(0x08, 0x42)), 'off_dt_struct');
    expectFormatError(mutate((v, b) => v.setUint32(0x0c, b.length - 2)), 'off_dt_strings');
    expectFormatError(mutate((v) => v.setUint32(0x10, 0x1234_5678)), 'off_mem_rsvmap');
    // Truncated structure block: cut it just after the root's first property header.
    expectFormatError(mutate((v) => v.setUint32(0x24, 16)), /FDT_PROP|token/);
    // Unknown token where the root's first property should be.
    expectFormatError(mutate((v, _b, h) => v.setUint32(h.offDtStruct + 8, 0x77)), 'token');
    // Property name offset outside the strings block.
    expectFormatError(mutate((v, _b, h) => v.setUint32(h.offDtStruct + 16, 0xffff)), 'nameoff');
    // Property length running past the structure block.
    expectFormatError(mutate((v, _b, h) => v.setUint32(h.offDtStruct + 12, 0x10_0000)), /value/);
    // FDT_END replaced by FDT_NOP: the structure block ends without FDT_END.
    expectFormatError(mutate((v, _b, h) => v.setUint32(h.offDtStruct + h.sizeDtStruct! - 4, 4)), 'token');
    // An FDT_END_NODE turned into FDT_END: a node left open.
    expectFormatError(mutate((v, _b, h) => v.setUint32(h.offDtStruct + h.sizeDtStruct! - 8, 9)), 'FDT_END');
    // Reservation block without its terminator before totalsize.
    const noTerm = new Fdt();
    const b = noTerm.toBlob();
    new DataView(b.buffer).setUint32(0x10, b.length - 8);
    expectFormatError(b, /off_mem_rsvmap|memory reservation/);
  });

  it('ignores bytes after totalsize', () => {
    const blob = sampleTree().toBlob();
    const padded = new Uint8Array(blob.length + 4096);
    padded.set(blob);
    expect(describeTree(parseFdt(padded).root)).toEqual(describeTree(parseFdt(blob).root));
  });
});

describe.skipIf(!hasQemu)("QEMU's virt DTB (qemu-system-riscv64 -M virt,dumpdtb=...)", () => {
  it('parses the nodes U-Boot, OpenSBI and Linux look for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-fdt-'));
    try {
      const file = join(dir, 'virt.dtb');
      const r = spawnSync(
        'qemu-system-riscv64',
        ['-M', `virt,dumpdtb=${file}`, '-m', '256M', '-nographic', '-display', 'none', '-serial', 'none', '-monitor', 'none'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const blob = new Uint8Array(readFileSync(file));
      const fdt = parseFdt(blob, file);

      expect(fdt.root.prop('compatible')!.string()).toBe('riscv-virtio');
      expect(fdt.root.prop('#address-cells')!.u32()).toBe(2);
      const cpu = fdt.find('/cpus/cpu@0')!;
      expect(cpu.prop('device_type')!.string()).toBe('cpu');
      expect(cpu.prop('riscv,isa')!.string()).toMatch(/^rv64imafdc/);
      expect(fdt.find('/cpus')!.prop('timebase-frequency')!.u32()).toBe(10_000_000);
      expect(fdt.find('/memory@80000000')!.prop('reg')!.u64s()).toEqual([0x8000_0000n, 256n << 20n]);

      const plic = fdt.find('/soc/plic@c000000')!;
      // QEMU 7.2 advertises riscv,ndev = 96 (VIRT_IRQCHIP_NUM_SOURCES) although its PLIC has
      // sources 0..95; later QEMUs write 95. A board matching 7.2's DTB must write 96.
      expect(plic.prop('riscv,ndev')!.u32()).toBe(96);
      expect(plic.prop('reg')!.u64s()).toEqual([0xc00_0000n, 0x60_0000n]);
      expect(plic.prop('compatible')!.strings()).toContain('riscv,plic0');
      const intc = fdt.find('/cpus/cpu@0/interrupt-controller')!;
      // Context 0 = hart 0 M-mode external (11), context 1 = S-mode external (9).
      expect(plic.prop('interrupts-extended')!.cells()).toEqual([intc.phandle(), 11, intc.phandle(), 9]);

      const serial = fdt.find('/soc/serial@10000000')!;
      expect(serial.prop('compatible')!.string()).toBe('ns16550a');
      expect(serial.prop('interrupts')!.u32()).toBe(10);
      expect(fdt.byPhandle(serial.prop('interrupt-parent')!.u32())).toBe(plic);
      expect(fdt.find('/soc/clint@2000000')!.prop('reg')!.u64s()).toEqual([0x200_0000n, 0x1_0000n]);
      expect(fdt.find('/soc/rtc@101000')!.prop('compatible')!.string()).toBe('google,goldfish-rtc');
      expect(fdt.find('/soc/test@100000')!.prop('compatible')!.strings()).toContain('sifive,test0');
      expect(fdt.find('/chosen')!.prop('stdout-path')!.string()).toBe('/soc/serial@10000000');

      // Writing QEMU's tree back out and reading it again loses nothing.
      const again = parseFdt(fdt.toBlob());
      expect(describeTree(again.root)).toEqual(describeTree(fdt.root));
      expect(parseFdtHeader(fdt.toBlob()).sizeDtStrings).toBeLessThanOrEqual(parseFdtHeader(blob).sizeDtStrings);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasDtc)('dtc', () => {
  it('reads our blob, and its own re-encoding of it parses to the same tree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vm-fdt-'));
    try {
      const file = join(dir, 'sample.dtb');
      const fdt = sampleTree();
      writeFileSync(file, fdt.toBlob());
      const dts = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', file], { encoding: 'utf8' });
      expect(dts.status, dts.stderr).toBe(0);
      expect(dts.stdout).toContain('compatible = "sifive,plic-1.0.0\\0riscv,plic0";');
      expect(dts.stdout).toContain('/memreserve/\t0x0000000080000000 0x0000000000200000;');
      const dtb = spawnSync('dtc', ['-I', 'dtb', '-O', 'dtb', file]);
      expect(dtb.status, String(dtb.stderr)).toBe(0);
      const back = parseFdt(new Uint8Array(dtb.stdout), 'dtc output');
      expect(describeTree(back.root)).toEqual(describeTree(fdt.root));
      expect(back.reservations).toEqual(fdt.reservations);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
