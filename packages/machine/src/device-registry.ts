import type { MmioDevice, Snapshottable, VersionedState } from '@vm/core';
import { ConfigError } from '@vm/core';
import type { FdtNode } from '@vm/devices';
import type { SystemBus } from '@vm/mmu';
import { SnapshotRestoreError } from './snapshot/restore-error.js';
import { checkStateShape, restoreComponent } from './snapshot/state-shape.js';

/** Where a device's FDT node builder writes: its own node under /soc, plus the tree around it. */
export interface FdtContext {
  /** The root node (sifive_test adds /poweroff and /reboot here, as QEMU does). */
  readonly root: FdtNode;
  readonly soc: FdtNode;
  /** The PLIC's phandle, for `interrupt-parent`. */
  readonly plicPhandle: number;
  /** Phandles of the harts' interrupt controllers, by hart id (for `interrupts-extended`). */
  readonly cpuIntc: readonly number[];
}

/**
 * One device on the board: everything the board needs to map it, describe it to the guest, move
 * its time forward and checkpoint it. `VirtMachine.addDevice(spec)` takes one of these; the board's
 * own devices (UART, CLINT, PLIC, RTC, sifive_test, the eight virtio-mmio slots) are entries too.
 */
export interface BoardDeviceSpec {
  /** Bus name; also the default snapshot id. Unique on the board. */
  readonly name: string;
  readonly base: number;
  readonly device: MmioDevice;
  /** PLIC source the device drives, if any (informational; the device holds its IrqLine). */
  readonly irq?: number;
  /**
   * Fill the device's node `/soc/<fdtName>@<base in hex>` (created in registration order; QEMU's
   * order for the board's own devices). Omit for devices the guest must not see in the DTB.
   */
  readonly fdt?: (node: FdtNode, at: FdtContext) => void;
  /** Generic node name (devicetree spec 2.2.2), default `name`. */
  readonly fdtName?: string;
  /** Called between instruction batches (and after idle time is skipped): devices whose state moves with time. */
  readonly tick?: () => void;
  /** Next time (in clock ticks) the device needs `tick()`, so idle harts can skip to it. */
  readonly nextDeadline?: () => bigint | undefined;
  /**
   * The device's state for checkpoints. Default: the device itself when it implements
   * `Snapshottable`; `null`: the device has no state worth keeping (an empty slot).
   */
  readonly snapshot?: Snapshottable | null;
  /** Key of this device's state in `MachineSnapshot.devices`; default `name`. */
  readonly snapshotId?: string;
}

/** A registered device: its spec with the defaults filled in. */
export interface BoardDevice extends BoardDeviceSpec {
  readonly size: number;
  readonly snapshot: Snapshottable | null;
  readonly snapshotId: string;
}

function isSnapshottable(d: unknown): d is Snapshottable {
  const o = d as Partial<Snapshottable>;
  return typeof o.snapshot === 'function' && typeof o.restore === 'function';
}

/**
 * The board's device list (Spike's registered devices, Firecracker's device manager): one entry per
 * device drives bus attachment, the device tree, servicing between batches and checkpoints, so a
 * device added through the public API needs no edit anywhere else.
 */
export class DeviceRegistry {
  private readonly list: BoardDevice[] = [];

  constructor(private readonly bus: SystemBus) {}

  /** Registration order: the order of FDT nodes, of `tick()` calls and of restores. */
  get entries(): readonly BoardDevice[] {
    return this.list;
  }

  get(name: string): BoardDevice | undefined {
    return this.list.find((e) => e.name === name);
  }

  add(spec: BoardDeviceSpec): BoardDevice {
    const entry = fill(spec);
    if (this.get(entry.name) !== undefined) throw new ConfigError(`${entry.name}: a device of that name is already on the board`);
    if (entry.snapshot !== null && this.list.some((e) => e.snapshot !== null && e.snapshotId === entry.snapshotId)) {
      throw new ConfigError(`${entry.name}: snapshot id '${entry.snapshotId}' is already used on the board`);
    }
    this.bus.attach(entry.name, entry.base, entry.device);
    this.list.push(entry);
    return entry;
  }

  /** Put another device in the place (bus mapping, FDT position) of the entry called `name`. */
  replace(name: string, spec: BoardDeviceSpec): BoardDevice {
    const i = this.list.findIndex((e) => e.name === name);
    if (i < 0) throw new ConfigError(`${name}: no such device on the board`);
    const entry = fill(spec);
    if (entry.name !== name || entry.base !== this.list[i]!.base) throw new ConfigError(`${name}: a replacement must keep name and base`);
    this.bus.replace(name, entry.device);
    this.list[i] = entry;
    return entry;
  }

  /** Run every device's time hook. */
  tick(): void {
    for (const e of this.list) e.tick?.();
  }

  /** The earliest deadline any device reports, in clock ticks. */
  nextDeadline(): bigint | undefined {
    let next: bigint | undefined;
    for (const e of this.list) {
      const d = e.nextDeadline?.();
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    return next;
  }

  /** Every stateful device's state, by snapshot id. */
  capture(): Record<string, VersionedState> {
    const out: Record<string, VersionedState> = {};
    for (const e of this.list) if (e.snapshot !== null) out[e.snapshotId] = e.snapshot.snapshot();
    return out;
  }

  /** Throw unless `states` holds exactly one state per stateful device here. */
  check(states: Readonly<Record<string, VersionedState>>): void {
    const ids = new Set<string>();
    for (const e of this.list) if (e.snapshot !== null) ids.add(e.snapshotId);
    for (const id of Object.keys(states)) {
      if (!ids.has(id)) throw new SnapshotRestoreError(`device '${id}'`, 'in the snapshot but not on this board (add it before restoring)');
    }
    for (const id of ids) {
      if (!(id in states)) throw new SnapshotRestoreError(`device '${id}'`, 'on this board but missing from the snapshot');
    }
    // Each state has the shape this build's device gives (same format version only: another
    // version is the device's to refuse, with its own message).
    for (const e of this.list) {
      if (e.snapshot === null) continue;
      const ref = e.snapshot.snapshot();
      const state = states[e.snapshotId] as unknown;
      if (typeof state !== 'object' || state === null) throw new SnapshotRestoreError(`device '${e.snapshotId}'`, 'state is not an object');
      if ((state as VersionedState).version === ref.version) checkStateShape(`device '${e.snapshotId}'`, ref, state);
    }
  }

  /** Load every device's state, in registration order (check() first, unless `checked` already: states this very board gave). */
  restore(states: Readonly<Record<string, VersionedState>>, checked = false): void {
    if (!checked) this.check(states);
    for (const e of this.list) if (e.snapshot !== null) restoreComponent(`device '${e.snapshotId}'`, () => e.snapshot!.restore(states[e.snapshotId]!));
  }
}

function fill(spec: BoardDeviceSpec): BoardDevice {
  const snapshot = spec.snapshot === undefined ? (isSnapshottable(spec.device) ? spec.device : null) : spec.snapshot;
  return { ...spec, size: spec.device.size, snapshot, snapshotId: spec.snapshotId ?? spec.name };
}
