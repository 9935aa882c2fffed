import { realpathSync } from 'node:fs';
import { ConfigError } from '@vm/core';
import type { ParsedArgs } from './args.js';

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
