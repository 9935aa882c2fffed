import { realpathSync } from 'node:fs';
import { ConfigError } from '@vm/core';
import { parseProps, type ParsedArgs } from './args.js';

/** What `-global DRIVER.PROPERTY=VALUE` can set here. */
export interface GlobalProps {
  /** `virtio-mmio.force-legacy`: QEMU 7.2's default is true (legacy, Version 1 transports). */
  readonly virtioForceLegacy: boolean;
}

/** QEMU's spellings of a boolean property value (qapi_bool_parse: on/yes/true/y, off/no/false/n). */
export function parseOnOff(value: string, where: string): boolean {
  if (value === 'on' || value === 'yes' || value === 'true' || value === 'y') return true;
  if (value === 'off' || value === 'no' || value === 'false' || value === 'n') return false;
  throw new ConfigError(`${where}: '${value}' is not a boolean (on/off, yes/no, true/false, y/n)`);
}

/** A boolean property of a QEMU option (`-drive ...,snapshot=on`): its value, `fallback` when absent. */
export function boolProp(props: ReadonlyMap<string, string>, key: string, where: string, fallback = false): boolean {
  const v = props.get(key);
  return v === undefined ? fallback : parseOnOff(v, `${where}: ${key}`);
}

/**
 * The images a run's drives use. The same image on two writable drives would be two writers of
 * one file: QEMU refuses it ("Failed to get "write" lock"); read-only and snapshot drives do not
 * write it. Checked before the image is opened.
 */
export class ImageClaims {
  private readonly writers = new Set<string>();

  claim(file: string, writable: boolean, where: string): void {
    if (!writable) return;
    const key = realpathSync(file);
    if (this.writers.has(key)) throw new ConfigError(`${where}: '${file}' is already used by another writable drive (add readonly=on or snapshot=on to one of them)`);
    this.writers.add(key);
  }
}

/**
 * Every `-global` of a run. Only `virtio-mmio.force-legacy` exists on this board; any other
 * driver or property is an error that names it, never silently ignored.
 */
export function parseGlobals(args: ParsedArgs): GlobalProps {
  let virtioForceLegacy = true;
  for (const text of args.values.get('global') ?? []) {
    const m = /^([^.=]+)\.([^=]+)=(.*)$/.exec(text);
    if (m === null) throw new ConfigError(`-global ${text}: expected DRIVER.PROPERTY=VALUE, e.g. virtio-mmio.force-legacy=false`);
    const [, driver, property, value] = m as unknown as [string, string, string, string];
    if (driver !== 'virtio-mmio') throw new ConfigError(`-global ${text}: unknown driver '${driver}' (only virtio-mmio.force-legacy can be set)`);
    if (property !== 'force-legacy') throw new ConfigError(`-global ${text}: virtio-mmio has no property '${property}' here (only force-legacy)`);
    virtioForceLegacy = parseOnOff(value, `-global ${text}`);
  }
  return { virtioForceLegacy };
}

/** `bus=virtio-mmio-bus.N` of a -device: the slot N, 0..7. */
export function virtioBusSlot(bus: string | undefined, where: string): number | undefined {
  if (bus === undefined) return undefined;
  const m = /^virtio-mmio-bus\.(\d+)$/.exec(bus);
  if (m === null) throw new ConfigError(`${where}: bus '${bus}' does not exist (virtio-mmio-bus.0 to virtio-mmio-bus.7)`);
  const slot = Number(m[1]);
  if (slot > 7) throw new ConfigError(`${where}: bus '${bus}' does not exist (the virt board has virtio-mmio-bus.0 to virtio-mmio-bus.7)`);
  return slot;
}

/** A `-drive` of a VM stack: its disk, its `id=` and whether it is `if=none` (waiting for a -device). */
export interface DriveOf<D> {
  readonly disk: D;
  readonly id: string | undefined;
  readonly none: boolean;
}

/** What one `-device` asks for: a disk (from the `if=none` drive it names), or a device with no back end. */
export type DeviceArg<D> =
  | { readonly kind: 'disk'; readonly disk: D; readonly bus: 'virtio' | 'pio'; readonly slot?: number }
  | { readonly kind: 'virtio-rng' | 'virtio-net'; readonly slot?: number };

const DEVICE_NAMES: Readonly<Record<string, 'virtio-blk' | 'pio-disk' | 'virtio-rng' | 'virtio-net'>> = {
  'virtio-blk-device': 'virtio-blk',
  'pio-disk': 'pio-disk',
  'virtio-rng-device': 'virtio-rng',
  'virtio-rng': 'virtio-rng',
  'virtio-net-device': 'virtio-net',
  'virtio-net': 'virtio-net',
};

/**
 * Every `-device` of a run, in order, checked against what `stack` has (`accepted`: device names).
 * QEMU's long form for disks: `-device virtio-blk-device,drive=ID[,bus=virtio-mmio-bus.N]` (or
 * `pio-disk,drive=ID`) takes the `-drive ...,if=none,id=ID` it names, once; `bus=` picks the
 * virtio-mmio slot. The one pairing rule of every stack.
 */
export function deviceArgs<D>(args: ParsedArgs, drives: readonly DriveOf<D>[], accepted: readonly string[], stack: string): DeviceArg<D>[] {
  const out: DeviceArg<D>[] = [];
  const claimed = new Set<string>();
  for (const dev of args.values.get('device') ?? []) {
    const props = parseProps(dev, '-device');
    const name = props.get('') ?? '';
    for (const k of props.keys()) {
      if (!['', 'drive', 'bus', 'id'].includes(k)) throw new ConfigError(`-device ${dev}: unknown property '${k}' (drive, bus, id)`);
    }
    const kind = DEVICE_NAMES[name];
    if (kind === undefined || !accepted.includes(name)) throw new ConfigError(`-device ${dev}: ${kind === undefined ? 'unknown device' : `not supported ${stack}`} (${accepted.join(', ')})`);
    if (kind === 'pio-disk' && props.has('bus')) throw new ConfigError(`-device ${dev}: pio-disk has a fixed place (0x10009000); bus= is for virtio devices`);
    const slot = virtioBusSlot(props.get('bus'), `-device ${dev}`);
    if (kind === 'virtio-rng' || kind === 'virtio-net') {
      if (props.has('drive')) throw new ConfigError(`-device ${dev}: ${name} takes no drive=`);
      out.push({ kind, slot });
      continue;
    }
    const id = props.get('drive');
    const d = drives.find((x) => x.none && x.id === id);
    if (id === undefined || d === undefined) throw new ConfigError(`-device ${dev}: needs drive=ID naming a -drive if=none,id=ID`);
    if (claimed.has(id)) throw new ConfigError(`-device ${dev}: drive '${id}' is already in use`);
    claimed.add(id);
    out.push(kind === 'pio-disk' ? { kind: 'disk', disk: d.disk, bus: 'pio' } : { kind: 'disk', disk: d.disk, bus: 'virtio', slot });
  }
  return out;
}
