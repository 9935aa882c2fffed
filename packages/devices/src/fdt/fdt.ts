import { ConfigError } from '@vm/core';
import { FdtNode } from './node.js';
import type { FdtTreeContext } from './node.js';

/*
 * Flattened devicetree (DTB) writer, Devicetree Specification v0.4 chapter 5 "Flattened
 * Devicetree (DTB) Format". Layout as dtc and QEMU emit it: header, memory reservation block,
 * structure block, strings block; all big-endian.
 */

/** 5.2: magic number of the header. */
export const FDT_MAGIC = 0xd00dfeed;
/** 5.2: the version this writer emits, and the oldest version it is compatible with. */
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
/** 5.4.1 structure block tokens. */
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;
/** 5.2: size of the version-17 header (ten 32-bit fields). */
export const FDT_HEADER_SIZE = 40;

/** 5.3: one memory reservation block entry. */
export interface FdtReservation {
  readonly address: bigint;
  readonly size: bigint;
}

export interface FdtOptions {
  /** 5.2 boot_cpuid_phys: physical ID of the boot CPU (default 0). */
  bootCpuidPhys?: number;
}

/**
 * A devicetree document: build it through `root`, serialise it with `toBlob()`. `parseFdt`
 * returns the same type, so a parsed tree can be inspected, edited and written back.
 *
 * ```ts
 * const fdt = new Fdt();
 * fdt.root.u32('#address-cells', 2).u32('#size-cells', 2).string('compatible', 'riscv-virtio');
 * const plic = fdt.root.node('soc').node('plic@c000000');
 * const ph = plic.phandle();
 * fdt.root.find('soc')!.node('serial@10000000').cells('interrupt-parent', [ph]);
 * const blob = fdt.toBlob();
 * ```
 */
export class Fdt {
  readonly root: FdtNode;
  /** 5.3 memory reservation block entries (the terminating zero entry is added by toBlob). */
  readonly reservations: FdtReservation[] = [];
  bootCpuidPhys: number;
  private readonly context: FdtTreeContext = { nextPhandle: 1 };

  constructor(options: FdtOptions = {}) {
    this.root = new FdtNode('', this.context, undefined);
    this.bootCpuidPhys = options.bootCpuidPhys ?? 0;
  }

  /** Add a memory reservation entry (5.3). */
  reserveMemory(address: bigint | number, size: bigint | number): this {
    const a = BigInt(address);
    const s = BigInt(size);
    if (a < 0n || a >= 1n << 64n || s < 0n || s >= 1n << 64n) {
      throw new ConfigError(`fdt: reservation ${a}+${s} does not fit in 64 bits`);
    }
    this.reservations.push({ address: a, size: s });
    return this;
  }

  /** A node by absolute path ("/soc/serial@10000000"). */
  find(path: string): FdtNode | undefined {
    return this.root.find(path);
  }

  /** The node whose `phandle` property is `ph`. */
  byPhandle(ph: number): FdtNode | undefined {
    for (const n of this.root.walk()) {
      const p = n.prop('phandle');
      if (p !== undefined && p.length === 4 && p.u32() === ph) return n;
    }
    return undefined;
  }

  /** Serialise as a version-17 DTB. */
  toBlob(): Uint8Array {
    const strings = new StringTable();
    const struct = new ByteWriter();
    const emit = (node: FdtNode): void => {
      struct.u32(FDT_BEGIN_NODE);
      struct.cstring(node.name);
      struct.align(4);
      for (const p of node.properties) {
        struct.u32(FDT_PROP);
        struct.u32(p.length);
        struct.u32(strings.offsetOf(p.name));
        struct.bytes(p.value);
        struct.align(4);
      }
      for (const c of node.children) emit(c);
      struct.u32(FDT_END_NODE);
    };
    emit(this.root);
    struct.u32(FDT_END);

    const rsv = new ByteWriter();
    for (const r of this.reservations) {
      rsv.u64(r.address);
      rsv.u64(r.size);
    }
    rsv.u64(0n);
    rsv.u64(0n);

    const stringBytes = strings.bytes();
    // 5.1: the reservation block is 8-byte aligned and the structure block 4-byte aligned.
    const offRsv = align(FDT_HEADER_SIZE, 8);
    const offStruct = align(offRsv + rsv.length, 4);
    const offStrings = offStruct + struct.length;
    const total = offStrings + stringBytes.length;

    const blob = new Uint8Array(total);
    const view = new DataView(blob.buffer);
    const header = [
      FDT_MAGIC,
      total,
      offStruct,
      offStrings,
      offRsv,
      FDT_VERSION,
      FDT_LAST_COMP_VERSION,
      this.bootCpuidPhys,
      stringBytes.length,
      struct.length,
    ];
    header.forEach((v, i) => view.setUint32(4 * i, v >>> 0, false));
    blob.set(rsv.result(), offRsv);
    blob.set(struct.result(), offStruct);
    blob.set(stringBytes, offStrings);
    return blob;
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** 5.5: the strings block, each name stored once. */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly writer = new ByteWriter();

  offsetOf(name: string): number {
    let off = this.offsets.get(name);
    if (off === undefined) {
      off = this.writer.length;
      this.writer.cstring(name);
      this.offsets.set(name, off);
    }
    return off;
  }

  bytes(): Uint8Array {
    return this.writer.result();
  }
}

const encoder = new TextEncoder();

/** Growable big-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, false);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v, false);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  cstring(s: string): void {
    this.bytes(encoder.encode(s));
    this.bytes(new Uint8Array(1));
  }

  align(to: number): void {
    const pad = align(this.length, to) - this.length;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
