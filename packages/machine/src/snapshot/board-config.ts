import { VirtioBlock, VirtioConsole, VirtioNet, VirtioRng, type PioDiskBackend } from '@vm/devices';
import type { VirtMachine } from '../virt.js';
import type { BoardConfig, VirtioSlotConfig } from './machine-snapshot.js';
import { SnapshotRestoreError } from './restore-error.js';

const MAC_BYTES = 6;

/**
 * Describe how `m` was built, and list its disk backends (each once, in first-use order);
 * config entries refer to disks by index into that list.
 */
export function describeBoard(m: VirtMachine): { config: BoardConfig; disks: PioDiskBackend[] } {
  const disks: PioDiskBackend[] = [];
  const diskIndex = (b: PioDiskBackend): number => {
    let i = disks.indexOf(b);
    if (i < 0) i = disks.push(b) - 1;
    return i;
  };
  const virtio: VirtioSlotConfig[] = m.virtio.map(({ slot, device }) => {
    const queueSize = device.queueMaxSizes[0] ?? 0;
    if (device instanceof VirtioBlock) return { slot, kind: 'blk', queueSize, disk: diskIndex(device.backend) };
    if (device instanceof VirtioRng) return { slot, kind: 'rng', queueSize };
    if (device instanceof VirtioConsole) return { slot, kind: 'console', queueSize };
    if (device instanceof VirtioNet) {
      const mac = Array.from({ length: MAC_BYTES }, (_, i) => device.readConfig(i, 1));
      return { slot, kind: 'net', queueSize, mac };
    }
    throw new SnapshotRestoreError(`virtio-mmio slot ${slot}`, `device ID ${device.deviceId} cannot be checkpointed`);
  });
  const o = m.options;
  const config: BoardConfig = {
    memory: m.ram.size,
    harts: m.harts.length,
    clock: o.clock ?? 'virtual',
    instructionsPerTick: o.instructionsPerTick ?? 10,
    quantum: m.quantum,
    rtcEpochNs: o.rtcEpochNs ?? null,
    hExtension: o.hExtension ?? false,
    virtio,
    pioDisk: m.pioDisk === undefined ? null : diskIndex(m.pioDisk.backend),
    forceLegacy: m.virtioForceLegacy,
  };
  return { config, disks };
}

/** Throw unless two configs describe the same board (disks compared by index only). */
export function checkSameBoard(have: BoardConfig, want: BoardConfig): void {
  const fields = ['memory', 'harts', 'clock', 'instructionsPerTick', 'quantum', 'rtcEpochNs', 'hExtension', 'pioDisk', 'forceLegacy'] as const;
  for (const f of fields) {
    if (have[f] !== want[f]) throw new SnapshotRestoreError('board', `${f} is ${String(have[f])} here, ${String(want[f])} in the snapshot`);
  }
  const a = JSON.stringify(have.virtio);
  const b = JSON.stringify(want.virtio);
  if (a !== b) throw new SnapshotRestoreError('board', `virtio devices differ: ${a} here, ${b} in the snapshot`);
}
