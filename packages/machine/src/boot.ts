import { ConfigError, hex } from '@vm/core';
import { buildResetVector, NEXT_MODE_M, NEXT_MODE_S } from './boot-rom.js';
import { fdtAddress, initrdAddress, kernelAddressAfter, loadBytes, loadImage, type LoadedImage } from './loader.js';
import { VIRT } from './memory-map.js';
import { Htif } from './htif.js';
import { buildVirtFdt } from './virt-fdt.js';
import type { VirtMachine } from './virt.js';

/** A file to boot: its bytes and its name (for error messages). */
export interface BootFile {
  readonly file: string;
  readonly bytes: Uint8Array;
}

/** What `vm run` boots — QEMU's -bios, -kernel, -initrd and -append. */
export interface BootSpec {
  /** M-mode firmware; undefined = `-bios none`. */
  readonly bios?: BootFile;
  readonly kernel?: BootFile;
  readonly initrd?: BootFile;
  readonly append?: string;
}

export interface BootInfo {
  readonly bios: LoadedImage | undefined;
  readonly kernel: LoadedImage | undefined;
  readonly fdt: number;
  readonly fdtSize: number;
  readonly start: bigint;
  readonly initrd: { start: number; end: number } | undefined;
}

/**
 * Load images, build the device tree and the reset vector, and reset the harts — what QEMU's virt
 * machine does at power-on (hw/riscv/virt.c virt_machine_done):
 * - `-bios none -kernel K`: K runs in M-mode from its ELF entry (a raw K from 0x8000_0000);
 * - `-bios FW [-kernel K]`: FW runs in M-mode from 0x8000_0000; K is its S-mode payload, at its
 *   ELF address or (raw) at FW's end rounded up to 2 MiB; fw_dynamic_info names it.
 * ELF images that define `tohost` get an HTIF (riscv-tests' exit protocol).
 */
export function bootVirt(m: VirtMachine, spec: BootSpec): BootInfo {
  if (spec.bios === undefined && spec.kernel === undefined) {
    throw new ConfigError('nothing to run: give -kernel FILE (with -bios none) or -bios FILE');
  }
  const ramBase = VIRT.dram.base;
  const bios = spec.bios === undefined ? undefined : loadImage(m.ram, spec.bios.bytes, spec.bios.file, ramBase);
  let kernel: LoadedImage | undefined;
  if (spec.kernel !== undefined) {
    const at = bios === undefined ? ramBase : kernelAddressAfter(bios.end);
    kernel = loadImage(m.ram, spec.kernel.bytes, spec.kernel.file, at);
    if (bios !== undefined && kernel.start < bios.end && bios.start < kernel.end) {
      throw new ConfigError(`${spec.kernel.file} (${hex(kernel.start)}..${hex(kernel.end)}) overlaps the firmware ${spec.bios!.file} (${hex(bios.start)}..${hex(bios.end)})`);
    }
  }

  let initrd: BootInfo['initrd'];
  if (spec.initrd !== undefined) {
    if (kernel === undefined) throw new ConfigError('-initrd needs -kernel');
    const at = initrdAddress(Number(kernel.entry), m.ram.size);
    loadBytes(m.ram, spec.initrd.bytes, spec.initrd.file, at);
    initrd = { start: at, end: at + spec.initrd.bytes.length };
  }

  const blob = buildVirtFdt(m, { bootargs: spec.append, initrd });
  const fdt = fdtAddress(m.ram, blob.length);
  const used = [bios, kernel].filter((i): i is LoadedImage => i !== undefined);
  for (const img of used) {
    if (img.end > fdt && img.start < fdt + blob.length) {
      throw new ConfigError(`${img.file} reaches the device tree at ${hex(fdt)}: give the machine more memory (-m)`);
    }
  }
  m.ram.load(fdt, blob);

  const start = bios !== undefined ? bios.entry : kernel!.entry;
  const next = kernel?.entry ?? BigInt(bios !== undefined ? kernelAddressAfter(bios.end) : ramBase);
  const rom = buildResetVector({ start, fdt: BigInt(fdt), nextAddr: next, nextMode: bios === undefined ? NEXT_MODE_M : NEXT_MODE_S });
  m.rom.bytes.fill(0);
  m.rom.bytes.set(rom);

  m.htif = undefined;
  for (const img of used) {
    const tohost = img.elf?.symbols.get('tohost');
    if (tohost !== undefined) {
      const fromhost = img.elf?.symbols.get('fromhost');
      m.htif = new Htif({ memory: m.ram, tohost: Number(tohost), fromhost: fromhost === undefined ? undefined : Number(fromhost), console: m.consoleOutput });
    }
  }
  m.reset();
  return { bios, kernel, fdt, fdtSize: blob.length, start, initrd };
}
