import { ConfigError } from '@vm/core';
import { FileBlockBackend, MemoryBlockBackend, OverlayBlockBackend, type BlockBackend } from '@vm/devices';
import { applySnapshot, snapshotMachine, SnapshotRestoreError, type DiskSnapshot, type MachineSnapshot, type SparseImage } from '@vm/machine';
import type { Vm, VmDisk } from './vm.js';

/**
 * Hypervisor-level facts about a VM that its virt board does not hold. Everything else the guest
 * can see — virtual hart (pc, privilege, x/f registers, CSRs, PMP), clock, devices with their
 * virtqueues, RAM, disks — is the board's MachineSnapshot. Host state (shadow page tables, the
 * real hart, G-stage tables) is not saved: it is rebuilt on restore.
 */
export interface VmSnapshotInfo {
  readonly version: 1;
  readonly name: string;
  /** Who answers the guest's S-mode ecalls (VmConfig.sbi). */
  readonly sbiMode: 'firmware' | 'hypervisor';
  readonly weight: number;
  readonly cap: number;
}

/**
 * A VM snapshot: exactly a MachineSnapshot of the VM's board (so a bare VirtMachine, a native VM
 * and a hosted VMM can load it), plus an optional `vm` header field. `.vmsnap` files carry the
 * extra field in their header section unchanged (writeSnapshot / readSnapshot).
 */
export type VmSnapshot = MachineSnapshot & { readonly vm?: VmSnapshotInfo };

/**
 * Capture a VM between hypervisor runs. The caller has parked the guest's registers in the virtual
 * hart (`Vcpu.save`) and says whether the vCPU waits in WFI. The board's timeline is normalised:
 * a VM board is never run(), its time is its hart's retired count, and a board restored from the
 * snapshot (any board) continues from `timeline`.
 */
export function captureVm(vm: Vm, waiting: boolean): VmSnapshot {
  if (vm.hext !== undefined) throw new ConfigError(`${vm.name}: snapshots of 'hext' VMs are not supported (their H state lives in the real hart); use mode 'trap'`);
  const s = snapshotMachine(vm.board);
  // Board time = timeline + (hart retired − currentStart); VirtMachine keeps currentStart private
  // (read structurally, as capture.ts reads Htif's options). Saved as one timeline value.
  const start = (vm.board as unknown as { readonly currentStart?: unknown }).currentStart;
  if (typeof start !== 'number') throw new ConfigError(`${vm.name}: cannot read the board's time base (VirtMachine.currentStart)`);
  const timeline = s.board.timeline + vm.vcpu.hart.retired - start;
  return {
    ...s,
    board: { ...s.board, timeline, current: 0, waiting: [waiting] },
    vm: { version: 1, name: vm.name, sbiMode: vm.sbiMode, weight: vm.weight, cap: vm.cap },
  };
}

/** Check that a snapshot fits a native VM and say what it needs; ConfigError naming what does not. */
export function checkVmSnapshot(s: VmSnapshot, what: string, instructionsPerTick?: number): VmSnapshotInfo {
  if (typeof s !== 'object' || s === null || s.version !== 1 || typeof s.config !== 'object') throw new ConfigError(`${what}: not a machine snapshot (version ${String((s as { version?: unknown }).version)})`);
  const c = s.config;
  if (c.harts !== 1) throw new ConfigError(`${what}: the snapshot has ${c.harts} harts; a VM has one vCPU`);
  if (c.hExtension) throw new ConfigError(`${what}: the snapshot's hart has the H extension; VM boards do not`);
  if (c.clock !== 'virtual') throw new ConfigError(`${what}: the snapshot has a wall clock; VMs keep virtual time`);
  if (instructionsPerTick !== undefined && c.instructionsPerTick !== instructionsPerTick) {
    throw new SnapshotRestoreError('board', `instructionsPerTick is ${instructionsPerTick} here, ${c.instructionsPerTick} in the snapshot`);
  }
  if (c.rtcEpochNs !== null) throw new ConfigError(`${what}: the snapshot sets an RTC epoch; VM boards use the default`);
  for (const v of c.virtio) if (v.kind !== 'blk') throw new ConfigError(`${what}: virtio-mmio slot ${v.slot} holds a ${v.kind} device; VMs have virtio-blk disks only`);
  const info = s.vm;
  if (info !== undefined && (info.version !== 1 || (info.sbiMode !== 'firmware' && info.sbiMode !== 'hypervisor'))) {
    throw new ConfigError(`${what}: unknown VM header ${JSON.stringify(info)}`);
  }
  return info ?? { version: 1, name: 'vm', sbiMode: 'firmware', weight: 256, cap: 0 };
}

/** The VM's disks as the snapshot's board had them: virtio-blk in slot order, then the PIO disk. */
export function disksOf(s: MachineSnapshot): VmDisk[] {
  const opened = new Map<number, BlockBackend>();
  const open = (i: number): BlockBackend => {
    let b = opened.get(i);
    if (b === undefined) {
      const d = s.disks[i];
      if (d === undefined) throw new SnapshotRestoreError('board', `refers to disk ${i}, the snapshot has ${s.disks.length}`);
      b = openDisk(d, `disk ${i}`);
      opened.set(i, b);
    }
    return b;
  };
  const out: VmDisk[] = [];
  for (const v of s.config.virtio) if (v.kind === 'blk') out.push({ backend: open(v.disk), bus: 'virtio' });
  if (s.config.pioDisk !== null) out.push({ backend: open(s.config.pioDisk), bus: 'pio' });
  return out;
}

/**
 * Load a snapshot into a VM built (not booted) with the same board. `loadDisks`: also make the
 * board's disk back ends show the recorded contents (false when they were opened from the
 * snapshot). Returns whether the vCPU waits in WFI. Throws SnapshotRestoreError naming what does
 * not fit.
 */
export function loadVmState(vm: Vm, s: MachineSnapshot, loadDisks: boolean): boolean {
  applySnapshot(vm.board, s, loadDisks, 'load');
  // New shadows: the guest's page tables and PMP came from elsewhere.
  vm.shadow.flush();
  return s.board.waiting[0] === true;
}

function openDisk(d: DiskSnapshot, what: string): BlockBackend {
  switch (d.kind) {
    case 'memory':
      return new MemoryBlockBackend(bytesOf(d.data), { readOnly: d.readOnly });
    case 'file': {
      const b = new FileBlockBackend(d.path, { readOnly: d.readOnly });
      if (b.size !== d.size) {
        b.close();
        throw new SnapshotRestoreError(what, `${d.path} is ${b.size} bytes, the snapshot recorded ${d.size}`);
      }
      return b;
    }
    case 'overlay': {
      const o = new OverlayBlockBackend(openDisk(d.base, `${what} (overlay base)`));
      for (const c of d.data.chunks) o.write(c.index * d.data.chunkSize, c.data);
      return o;
    }
  }
}

function bytesOf(img: SparseImage): Uint8Array {
  const out = new Uint8Array(img.size);
  for (const c of img.chunks) out.set(c.data, c.index * img.chunkSize);
  return out;
}
