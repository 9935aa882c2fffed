import type { HtifOptions } from '../htif.js';
import { VirtualClock } from '../clock.js';
import type { VirtMachine } from '../virt.js';
import { describeBoard } from './board-config.js';
import { captureDisk } from './disk-snapshot.js';
import { captureHart } from './hart-state.js';
import { MACHINE_SNAPSHOT_VERSION, type MachineSnapshot } from './machine-snapshot.js';
import { CHUNK_SIZE, sparseFromRam } from './sparse-image.js';

export interface CaptureOptions {
  /** false: leave RAM out (an empty image) — live migration sends RAM page by page instead. */
  readonly ram?: boolean;
}

/**
 * Checkpoint a board between run() calls: its configuration, every hart and MMU, the clock, every
 * device with its queues, the boot ROM, HTIF, RAM and the guest-visible contents of its disks.
 * The result shares no memory with the board.
 */
export function snapshotMachine(m: VirtMachine, options: CaptureOptions = {}): MachineSnapshot {
  const { config, disks } = describeBoard(m);
  return {
    version: MACHINE_SNAPSHOT_VERSION,
    config,
    board: m.boardState(),
    clock: m.clock instanceof VirtualClock ? m.clock.snapshot() : null,
    harts: m.harts.map((h) => ({ ...captureHart(h), mmu: h.mmu.snapshot() })),
    devices: m.devices.capture(),
    rom: m.rom.bytes.slice(),
    htif: htifConfig(m),
    ram: options.ram === false ? { size: m.ram.size, chunkSize: CHUNK_SIZE, chunks: [] } : sparseFromRam(m.ram),
    disks: disks.map(captureDisk),
  };
}

/**
 * HTIF's tohost/fromhost addresses. Htif keeps its options private; until it exposes them this
 * reads the field structurally (see the report: `Htif.options` wanted).
 */
function htifConfig(m: VirtMachine): MachineSnapshot['htif'] {
  if (m.htif === undefined) return null;
  const o = (m.htif as unknown as { readonly o: HtifOptions }).o;
  return { tohost: o.tohost, fromhost: o.fromhost ?? null };
}
