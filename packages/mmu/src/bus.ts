import type { AccessWidth, MmioDevice } from '@vm/core';
import { ConfigError, hex } from '@vm/core';
import type { Ram } from './ram.js';

/** One device mapping on the bus. */
export interface BusMapping {
  readonly name: string;
  readonly base: number;
  readonly device: MmioDevice;
}

/** Returned by `SystemBus.read` when nothing answers at the address (an access fault). */
export const BUS_FAULT = -1n;

/**
 * The physical address space: RAM plus MMIO devices. The bus owns the address map (devices don't
 * know their base), rejects overlapping mappings, and applies each device's declared access widths:
 * wider accesses are split into the device's widest width, narrower ones fault (QEMU's `impl`/`valid`).
 *
 * `read` returns BUS_FAULT (-1n) and `write` returns false when no device or RAM answers; the hart
 * turns that into an access-fault exception. RAM accesses are expected to be served by the hart's
 * own fast path through the RAM's chunks (`ram.pageChunk`); the bus handles them too (DMA, page walks, slow paths).
 */
export class SystemBus {
  private readonly maps: BusMapping[] = [];
  /** Last-hit cache: MMIO pollers hammer one device. */
  private last: BusMapping | undefined;
  /** Observers of stores to RAM made through the bus (the hart invalidates decoded code with it). */
  ramWriteObservers: ((pa: number, width: number) => void)[] = [];

  constructor(readonly ram: Ram) {}

  get mappings(): readonly BusMapping[] {
    return this.maps;
  }

  attach(name: string, base: number, device: MmioDevice): void {
    const end = base + device.size;
    if (device.size <= 0 || !Number.isSafeInteger(end)) throw new ConfigError(`${name}: bad size ${device.size}`);
    if (base < this.ram.end && this.ram.base < end) {
      throw new ConfigError(`${name} at ${hex(base)}..${hex(end)} overlaps RAM`);
    }
    for (const m of this.maps) {
      if (base < m.base + m.device.size && m.base < end) {
        throw new ConfigError(`${name} at ${hex(base)}..${hex(end)} overlaps ${m.name} at ${hex(m.base)}`);
      }
    }
    this.maps.push({ name, base, device });
    this.maps.sort((a, b) => a.base - b.base);
  }

  /**
   * Put another device in place of the mapping called `name` (same base, same size): a board
   * plugs a device into a slot that exists from power-on (QEMU virt's virtio-mmio transports).
   */
  replace(name: string, device: MmioDevice): void {
    const i = this.maps.findIndex((m) => m.name === name);
    const old = this.maps[i];
    if (old === undefined) throw new ConfigError(`${name}: nothing of that name is on the bus`);
    if (device.size !== old.device.size) throw new ConfigError(`${name}: the new device is ${device.size} bytes, the mapping ${old.device.size}`);
    this.maps[i] = { name, base: old.base, device };
    this.last = undefined;
  }

  /** The mapping that contains pa, if any. */
  find(pa: number): BusMapping | undefined {
    const l = this.last;
    if (l !== undefined && pa >= l.base && pa < l.base + l.device.size) return l;
    for (const m of this.maps) {
      if (pa >= m.base && pa < m.base + m.device.size) {
        this.last = m;
        return m;
      }
    }
    return undefined;
  }

  /** True when the address is backed by RAM or a device. */
  isMapped(pa: number): boolean {
    return (pa >= this.ram.base && pa < this.ram.end) || this.find(pa) !== undefined;
  }

  read(pa: number, width: AccessWidth): bigint {
    const ram = this.ram;
    if (pa >= ram.base && pa + width <= ram.end) {
      switch (width) {
        case 1: return BigInt(ram.read8(pa));
        case 2: return BigInt(ram.read16(pa));
        case 4: return BigInt(ram.read32(pa));
        default: return ram.read64(pa);
      }
    }
    const m = this.find(pa);
    if (m === undefined || pa + width > m.base + m.device.size) return BUS_FAULT;
    return readDevice(m.device, pa - m.base, width);
  }

  write(pa: number, width: AccessWidth, value: bigint): boolean {
    const ram = this.ram;
    if (pa >= ram.base && pa + width <= ram.end) {
      // Ram's writes tell its write watchers (translators) before the bytes change.
      switch (width) {
        case 1: ram.write8(pa, Number(value & 0xffn)); break;
        case 2: ram.write16(pa, Number(value & 0xffffn)); break;
        case 4: ram.write32(pa, Number(value & 0xffff_ffffn)); break;
        default: ram.write64(pa, value);
      }
      for (const obs of this.ramWriteObservers) obs(pa, width);
      return true;
    }
    const m = this.find(pa);
    if (m === undefined || pa + width > m.base + m.device.size) return false;
    return writeDevice(m.device, pa - m.base, width, value);
  }
}

function widest(device: MmioDevice, width: AccessWidth): AccessWidth | 0 {
  let best: AccessWidth | 0 = 0;
  for (const w of device.accessWidths) if (w <= width && w > best) best = w;
  return best;
}

function readDevice(device: MmioDevice, offset: number, width: AccessWidth): bigint {
  if (device.accessWidths.includes(width)) return device.read(offset, width);
  const part = widest(device, width);
  if (part === 0) return BUS_FAULT;
  let value = 0n;
  for (let i = 0; i < width; i += part) value |= device.read(offset + i, part) << BigInt(8 * i);
  return value;
}

function writeDevice(device: MmioDevice, offset: number, width: AccessWidth, value: bigint): boolean {
  if (device.accessWidths.includes(width)) {
    device.write(offset, width, value);
    return true;
  }
  const part = widest(device, width);
  if (part === 0) return false;
  const mask = (1n << BigInt(8 * part)) - 1n;
  for (let i = 0; i < width; i += part) device.write(offset + i, part, (value >> BigInt(8 * i)) & mask);
  return true;
}
