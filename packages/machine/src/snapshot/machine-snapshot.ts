import type { HartState } from '@vm/isa';
import type { MmuState } from '@vm/mmu';
import type {
  ClintState,
  GoldfishRtcState,
  PioDiskState,
  PlicState,
  SifiveTestState,
  Uart16550State,
  VirtioMmioTransportState,
} from '@vm/devices';
import type { VirtBoardState } from '../virt.js';
import type { HartHextState } from './hart-hext.js';
import type { SparseImage } from './sparse-image.js';

/** Version of MachineSnapshot (the in-memory checkpoint); the .vmsnap container has its own. */
export const MACHINE_SNAPSHOT_VERSION = 1;

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
  readonly hart: HartState;
  readonly mmu: MmuState;
  /** Hypervisor-extension state, for harts built with it. */
  readonly hext: HartHextState | null;
}

export interface DeviceSnapshots {
  readonly uart: Uart16550State;
  readonly clint: ClintState;
  readonly plic: PlicState;
  readonly test: SifiveTestState;
  readonly rtc: GoldfishRtcState;
  readonly pioDisk: PioDiskState | null;
  /** One per BoardConfig.virtio entry, same order: transport, queues and device-specific state. */
  readonly virtio: readonly VirtioMmioTransportState[];
}

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
