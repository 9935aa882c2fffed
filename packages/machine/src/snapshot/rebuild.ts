import { NetLoopback, VirtioBlock, VirtioConsole, VirtioNet, VirtioRng, type BlockBackend, type NetBackend, type VirtioDevice } from '@vm/devices';
import type { Ram } from '@vm/mmu';
import { VirtMachine } from '../virt.js';
import { applySnapshot } from './apply.js';
import { openDisk } from './disk-snapshot.js';
import type { DiskSnapshot, MachineSnapshot, VirtioSlotConfig } from './machine-snapshot.js';
import { SnapshotRestoreError } from './restore-error.js';

/** What the host supplies to a board built from a checkpoint: its console and device back ends. */
export interface RestoreHost {
  /** UART0 (and HTIF) output; default: stdout. */
  readonly console?: (byte: number) => void;
  /** virtio-console output; default: the UART console byte by byte. */
  readonly virtioConsole?: (bytes: Uint8Array) => void;
  /** Network back end for each virtio-net; default: a loopback. */
  readonly net?: (slot: number) => NetBackend;
  /** Open disk `index`; default: from the snapshot (memory contents, file path + hash check, overlay). */
  readonly openDisk?: (disk: DiskSnapshot, index: number) => BlockBackend;
  /**
   * Guest RAM contents to use in place (exactly the snapshot's memory size); the snapshot's RAM
   * image is then ignored. Live migration receives RAM this way.
   */
  readonly ramContents?: Ram;
  /**
   * Add the devices the board's configuration does not describe (those added with
   * `VirtMachine.addDevice`), as when the board was first built; their states are then loaded
   * from the snapshot like every other device's.
   */
  readonly addDevices?: (machine: VirtMachine) => void;
}

export interface RestoredMachine {
  readonly machine: VirtMachine;
  /** The disks the board uses, by snapshot index: the caller flushes and closes them. */
  readonly disks: readonly BlockBackend[];
}

/**
 * Build the board a checkpoint describes (same memory, harts, clock, virtio slots and PIO disk),
 * open its disks and load the state. Throws before anything runs if any part does not fit;
 * the disks opened so far are closed again.
 */
export function restoreMachine(s: MachineSnapshot, host: RestoreHost = {}): RestoredMachine {
  const c = s.config;
  const disks: BlockBackend[] = [];
  try {
    s.disks.forEach((d, i) => disks.push(host.openDisk !== undefined ? host.openDisk(d, i) : openDisk(d, `disk ${i}`)));
    const console = host.console ?? ((b: number) => process.stdout.write(String.fromCharCode(b)));
    const machine = new VirtMachine({
      memory: c.memory,
      harts: c.harts,
      clock: c.clock,
      instructionsPerTick: c.instructionsPerTick,
      quantum: c.quantum,
      rtcEpochNs: c.rtcEpochNs ?? undefined,
      hExtension: c.hExtension,
      virtioForceLegacy: c.forceLegacy,
      console,
      ram: host.ramContents === undefined ? undefined : host.ramContents,
    });
    for (const v of c.virtio) {
      machine.addVirtio(virtioDevice(v, disks, host, console), { slot: v.slot });
    }
    if (c.pioDisk !== null) machine.addPioDisk(diskAt(disks, c.pioDisk));
    host.addDevices?.(machine);
    applySnapshot(machine, s, false, host.ramContents === undefined ? 'fresh' : 'keep');
    return { machine, disks };
  } catch (e) {
    for (const d of disks) d.close();
    throw e;
  }
}

function virtioDevice(v: VirtioSlotConfig, disks: readonly BlockBackend[], host: RestoreHost, console: (b: number) => void): VirtioDevice {
  switch (v.kind) {
    case 'blk':
      return new VirtioBlock({ backend: diskAt(disks, v.disk), queueSize: v.queueSize });
    case 'rng':
      return new VirtioRng({ queueSize: v.queueSize });
    case 'net':
      return new VirtioNet({ backend: host.net?.(v.slot) ?? new NetLoopback(), mac: Uint8Array.from(v.mac), queueSize: v.queueSize });
    case 'console':
      return new VirtioConsole({ output: host.virtioConsole ?? ((bytes) => bytes.forEach(console)), queueSize: v.queueSize });
  }
}

function diskAt(disks: readonly BlockBackend[], index: number): BlockBackend {
  const d = disks[index];
  if (d === undefined) throw new SnapshotRestoreError('board', `refers to disk ${index}, the snapshot has ${disks.length}`);
  return d;
}
