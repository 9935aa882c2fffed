import type { MmuState } from '@vm/mmu';
import type { VersionedState } from '@vm/core';
import type { VirtBoardState } from '../virt.js';
import type { HartBaseState, HartHextState } from './hart-state.js';
import type { SparseImage } from './sparse-image.js';

/**
 * Version of MachineSnapshot (the in-memory checkpoint); the .vmsnap container has its own.
 * 2: `devices` is keyed by the board registry's snapshot ids (version 1 had fixed fields and a
 * `virtio` array); `config.forceLegacy` records the virtio-mmio transport version. Version 1
 * headers are upgraded when read (upgradeMachineSnapshot).
 */
export const MACHINE_SNAPSHOT_VERSION = 2;

/** What a virtio-mmio slot holds; enough to build the same device again. */
export type VirtioSlotConfig =
  | { readonly slot: number; readonly kind: 'blk'; readonly queueSize: number; readonly disk: number }
  | { readonly slot: number; readonly kind: 'rng'; readonly queueSize: number }
  | { readonly slot: number; readonly kind: 'net'; readonly queueSize: number; readonly mac: readonly number[] }
  | { readonly slot: number; readonly kind: 'console'; readonly queueSize: number };

/** How the board was built: restore builds the same board from this before loading state. */
export interface BoardConfig {
  readonly memory: number;
  readonly harts: number;
  readonly clock: 'virtual' | 'wall';
  readonly instructionsPerTick: number;
  readonly quantum: number;
  readonly rtcEpochNs: bigint | null;
  readonly hExtension: boolean;
  /** Occupied virtio-mmio slots in the order they were plugged (slots fill from the top). */
  readonly virtio: readonly VirtioSlotConfig[];
  /** Index into `disks` of the PIO disk's backend, or null without one. */
  readonly pioDisk: number | null;
  /** virtio-mmio transports are legacy (version 1) rather than modern (version 2): QEMU's force-legacy. */
  readonly forceLegacy: boolean;
}

/**
 * A block backend's contents as the guest sees them:
 * - memory: the image itself (nonzero chunks);
 * - file: flushed, then identified by path, size and SHA-256 (the file is not copied);
 * - overlay: its base (memory or file) and the chunks where the overlay differs from the base.
 */
export type DiskSnapshot =
  | { readonly kind: 'memory'; readonly size: number; readonly readOnly: boolean; readonly data: SparseImage }
  | { readonly kind: 'file'; readonly size: number; readonly readOnly: boolean; readonly path: string; readonly sha256: string }
  | { readonly kind: 'overlay'; readonly size: number; readonly base: DiskSnapshot; readonly data: SparseImage };

export interface HartSnapshot {
  readonly hart: HartBaseState;
  readonly mmu: MmuState;
  /** Hypervisor-extension state, for harts built with it. */
  readonly hext: HartHextState | null;
}

/**
 * Every stateful device's state by its registry snapshot id: `uart`, `clint`, `plic`, `test`,
 * `rtc`, `pioDisk`, `virtio-mmio@<base>` for each occupied virtio-mmio slot, and whatever was
 * added with VirtMachine.addDevice (default id: the device's name).
 */
export type DeviceSnapshots = Readonly<Record<string, VersionedState>>;

/** A checkpoint of a whole VirtMachine, taken between run() calls. */
export interface MachineSnapshot {
  readonly version: typeof MACHINE_SNAPSHOT_VERSION;
  readonly config: BoardConfig;
  readonly board: VirtBoardState;
  /** The virtual clock's skipped ticks (null on a wall clock). */
  readonly clock: { readonly version: 1; readonly skipped: number } | null;
  readonly harts: readonly HartSnapshot[];
  readonly devices: DeviceSnapshots;
  /** The boot ROM (reset vector) image. */
  readonly rom: Uint8Array;
  readonly htif: { readonly tohost: number; readonly fromhost: number | null } | null;
  /** Guest RAM: nonzero 64 KiB chunks. */
  readonly ram: SparseImage;
  /** Block backends, referenced by index from BoardConfig. */
  readonly disks: readonly DiskSnapshot[];
}

/** Version 1 of the header, as .vmsnap files written before the device registry hold it. */
interface MachineSnapshotV1 extends Omit<MachineSnapshot, 'version' | 'devices' | 'config'> {
  readonly version: 1;
  readonly config: Omit<BoardConfig, 'forceLegacy'>;
  readonly devices: Readonly<Record<string, unknown>> & { readonly pioDisk: VersionedState | null; readonly virtio: readonly VersionedState[] };
}

/**
 * Read a version 1 or 2 header as version 2. Version 1 boards had modern (version 2) virtio-mmio
 * transports only; their device states move to the registry ids they have now.
 */
export function upgradeMachineSnapshot(s: MachineSnapshot | MachineSnapshotV1): MachineSnapshot {
  if (s.version === MACHINE_SNAPSHOT_VERSION) return s;
  const { pioDisk, virtio, ...fixed } = s.devices;
  const devices: Record<string, VersionedState> = { ...(fixed as Record<string, VersionedState>) };
  if (pioDisk !== null) devices.pioDisk = pioDisk;
  s.config.virtio.forEach((v, i) => {
    devices[`virtio-mmio@${(VIRTIO_MMIO_BASE + v.slot * VIRTIO_MMIO_SIZE).toString(16)}`] = virtio[i]!;
  });
  return { ...s, version: MACHINE_SNAPSHOT_VERSION, config: { ...s.config, forceLegacy: false }, devices };
}

/** QEMU virt's virtio-mmio window (memory-map.ts), restated to keep this module free of the board. */
const VIRTIO_MMIO_BASE = 0x1000_1000;
const VIRTIO_MMIO_SIZE = 0x1000;
