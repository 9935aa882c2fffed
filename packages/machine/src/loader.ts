import { FormatError, hex } from '@vm/core';
import type { Ram } from '@vm/mmu';
import { isElf, parseElf, type ElfImage } from '@vm/isa';

/** An image placed in guest RAM. */
export interface LoadedImage {
  readonly file: string;
  /** Where execution starts: the ELF entry, or the load address of a raw binary. */
  readonly entry: bigint;
  /** Lowest and one-past-highest physical address written. */
  readonly start: number;
  readonly end: number;
  /** The parsed ELF, when the file was one (symbols: tohost, fromhost ...). */
  readonly elf: ElfImage | undefined;
}

/**
 * Place a firmware or kernel file in RAM as QEMU's loaders do (hw/riscv/boot.c): an ELF goes to
 * its segments' physical addresses; anything else is a raw image copied to `rawAddress`.
 * Errors name the file and what does not fit.
 */
export function loadImage(ram: Ram, bytes: Uint8Array, file: string, rawAddress: number): LoadedImage {
  if (isElf(bytes)) {
    const elf = parseElf(bytes, file);
    let start = Number.MAX_SAFE_INTEGER;
    let end = 0;
    for (const seg of elf.segments) {
      if (seg.memsz === 0n) continue;
      const pa = Number(seg.paddr);
      const memsz = Number(seg.memsz);
      if (!ram.contains(pa, memsz)) {
        throw new FormatError(file, 0, 'p_paddr', `segment ${hex(seg.paddr)}+${hex(seg.memsz)} lies outside RAM ${hex(ram.base)}..${hex(ram.end)}`);
      }
      ram.load(pa, seg.data);
      ram.fill(pa + seg.data.length, memsz - seg.data.length);
      start = Math.min(start, pa);
      end = Math.max(end, pa + memsz);
    }
    if (end === 0) throw new FormatError(file, 0, 'e_phnum', 'no loadable segment');
    return { file, entry: elf.entry, start, end, elf };
  }
  return loadBytes(ram, bytes, file, rawAddress);
}

/**
 * Copy a file into RAM as bytes, whatever it holds (a raw kernel, an initrd: QEMU loads an initrd
 * as it is, even when it happens to be an ELF).
 */
export function loadBytes(ram: Ram, bytes: Uint8Array, file: string, address: number): LoadedImage {
  if (bytes.length === 0) throw new FormatError(file, 0, 'size', 'file is empty');
  if (!ram.contains(address, bytes.length)) {
    throw new FormatError(file, 0, 'size', `${bytes.length} bytes at ${hex(address)} do not fit in RAM ${hex(ram.base)}..${hex(ram.end)}`);
  }
  ram.load(address, bytes);
  return { file, entry: BigInt(address), start: address, end: address + bytes.length, elf: undefined };
}

/** The header of a Linux RISC-V `Image` (Documentation/riscv/boot-image-header.rst). */
export interface LinuxImageHeader {
  /** Image load offset from the start of RAM (text_offset). */
  readonly textOffset: bigint;
  /** Effective image size in memory, bss included (image_size). */
  readonly imageSize: bigint;
}

/** A Linux RISC-V `Image` names itself with magic2 "RSC\x05" at offset 0x38; undefined for anything else. */
export function linuxImageHeader(bytes: Uint8Array): LinuxImageHeader | undefined {
  if (bytes.length < 64) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0x38, true) !== 0x0553_5352) return undefined;
  return { textOffset: v.getBigUint64(0x08, true), imageSize: v.getBigUint64(0x10, true) };
}

const MiB = 1 << 20;
const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;
const alignDown = (v: number, a: number): number => Math.floor(v / a) * a;

/** A payload after firmware starts at the firmware's end rounded up to 2 MiB (QEMU, RV64). */
export function kernelAddressAfter(firmwareEnd: number): number {
  return alignUp(firmwareEnd, 2 * MiB);
}

/**
 * Where QEMU puts the initrd: halfway into RAM for boards under 256 MiB, else 128 MiB past the
 * kernel — far enough that an uncompressing kernel does not overwrite it.
 */
export function initrdAddress(kernelStart: number, ramSize: number): number {
  return kernelStart + (ramSize < 256 * MiB ? ramSize / 2 : 128 * MiB);
}

/** The DTB sits at the top of RAM (below 3 GiB), aligned down to 2 MiB (QEMU 7.2). */
export function fdtAddress(ram: Ram, fdtSize: number): number {
  const top = ram.base + Math.min(ram.size, 3 * 1024 * MiB);
  return alignDown(top - fdtSize, 2 * MiB);
}
