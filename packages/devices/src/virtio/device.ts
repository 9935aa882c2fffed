import { GuestMemoryError, type GuestMemory, type Snapshottable, type VersionedState } from '@vm/core';
import { checkSnapshotVersion } from '../legacy/snapshot-version.js';
import { VirtioDriverError } from './errors.js';
import type { VirtQueue } from './queue.js';

/** Width of a device configuration space access (virtio 1.2 §4.2.2.2: 8-bit, 16-bit or 32-bit). */
export type ConfigWidth = 1 | 2 | 4;

/**
 * What a transport hands a device when the driver sets DRIVER_OK (virtio 1.2 §3.1.1 step 8):
 * the live queues, the negotiated features, and the ways back to the driver.
 */
export interface VirtioDeviceContext {
  readonly memory: GuestMemory;
  /** One per entry of `queueMaxSizes`; a queue the driver never enabled has `ready` false. */
  readonly queues: readonly VirtQueue[];
  /** Features the driver accepted (device-specific bits plus transport/ring bits). */
  readonly features: bigint;
  /** Used buffers were pushed to `queue`: notify the driver unless it suppressed it (§2.7.7, §2.7.10). */
  signalUsed(queue: VirtQueue): void;
  /** The device configuration changed: bump ConfigGeneration and notify the driver (§2.5.1, §4.2.2). */
  configChanged(): void;
  /** The driver broke the protocol: set DEVICE_NEEDS_RESET and notify the driver (§2.1.2). */
  needsReset(reason: string): void;
}

/**
 * A virtio device independent of its transport (Firecracker's `VirtioDevice`): it describes itself
 * (ID, features, config space, queues) and does the work when queues are notified. The transport
 * owns the queues, feature negotiation, status and interrupts.
 */
export interface VirtioDevice extends Snapshottable {
  /** virtio 1.2 §5 Device ID; 0 for an empty slot. */
  readonly deviceId: number;
  /**
   * Device-specific feature bits offered. The transport adds the ring/transport features it
   * implements itself (VIRTIO_F_VERSION_1, VIRTIO_F_RING_INDIRECT_DESC, VIRTIO_F_RING_EVENT_IDX).
   */
  readonly features: bigint;
  /** Bytes of device configuration space. */
  readonly configSize: number;
  /** QueueNumMax of each virtqueue; the length is the number of queues. */
  readonly queueMaxSizes: readonly number[];
  readConfig(offset: number, width: ConfigWidth): number;
  writeConfig(offset: number, width: ConfigWidth, value: number): void;
  /** Extra device-specific check of the driver's features at FEATURES_OK (§3.1.1 step 5); default accept. */
  acceptFeatures?(features: bigint): boolean;
  /** Start: the driver set DRIVER_OK (also called after restore of a live device). Must not touch queues. */
  activate(context: VirtioDeviceContext): void;
  /** The driver notified queue `queueIndex` (available buffer notification, §2.7.13). */
  notify(queueIndex: number): void;
  /** Device reset (§2.4): forget the context and every in-flight request. */
  reset(): void;
  snapshot(): VersionedState;
  restore(state: VersionedState): void;
}

/**
 * Run device work on guest data; a protocol violation by the driver (or a stray DMA outside RAM)
 * becomes DEVICE_NEEDS_RESET instead of a host exception. Used by the transport for notifications
 * and by devices for work that starts on the host side (received frames, console input).
 */
export function guardDriverErrors(context: VirtioDeviceContext, work: () => void): void {
  try {
    work();
  } catch (e) {
    if (e instanceof VirtioDriverError || e instanceof GuestMemoryError) context.needsReset(e.message);
    else throw e;
  }
}

/** Read a little-endian field of `width` bytes at `offset` from a config image; bytes past the end read 0. */
export function readConfigBytes(bytes: Uint8Array, offset: number, width: ConfigWidth): number {
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = v * 256 + (bytes[offset + i] ?? 0);
  return v;
}

/** Check a restored state's version; throws SnapshotVersionError for one this code does not know. */
export function checkVersion(what: string, state: VersionedState, version: number): void {
  checkSnapshotVersion(what, state, [version]);
}
