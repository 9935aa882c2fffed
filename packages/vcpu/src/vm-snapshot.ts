import { ConfigError } from '@vm/core';
import { FileBlockBackend, MemoryBlockBackend, OverlayBlockBackend, type BlockBackend } from '@vm/devices';
import { applySnapshot, MACHINE_SNAPSHOT_VERSION, snapshotMachine, SnapshotRestoreError, type DiskSnapshot, type MachineSnapshot, type SparseImage } from '@vm/machine';
import type { Hart } from '@vm/isa';
import { hextStateProblem, type HextVcpuState } from './hext-context.js';
import type { Vm, VmDisk } from './vm.js';

/**
 * Hypervisor-level facts about a VM that its virt board does not hold. Everything else the guest
 * can see — virtual hart (pc, privilege, x/f registers, CSRs, PMP), clock, devices with their
 * virtqueues, RAM, disks — is the board's MachineSnapshot. Host state (shadow page tables, the
 * real hart, G-stage tables, VMID) is not saved: it is rebuilt on restore.
 *
 * Version 1: a trap-and-emulate VM. Version 2 (so that readers which only know trap VMs refuse
 * it): a VM under the H extension, with `mode: 'hext'` and the guest's VS state (`hext`), which
 * lives outside the board's hart (hext-vcpu.ts; the board hart's S CSRs and privilege are stale
 * in such a snapshot, so only a native 'hext' VM can continue it).
 *
 * The hypervisor's SBI (`sbiMode: 'hypervisor'`) keeps nothing else the guest can observe: its
 * timer is the hart's stimecmp / vstimecmp, its IPI the hart's SSIP / hvip.VSSIP, HSM has one
 * always-STARTED hart (suspend is the VM's waiting state), SRST latches into the board and is
 * handled before run() returns, the console reads and writes the board's UART. Its call counters
 * are accounting, and the PV-MMU's registered-table tracker is a cache: after a restore a PTE
 * update in a tree the guest registered before the snapshot is handled as one in an unknown
 * table (drop every shadow), which is correct, only slower.
 */
export interface VmSnapshotInfo {
  readonly version: 1 | 2;
  readonly name: string;
  /** Who answers the guest's S-mode ecalls (VmConfig.sbi). */
  readonly sbiMode: 'firmware' | 'hypervisor';
  readonly weight: number;
  readonly cap: number;
  /** Version 2: execution mode (absent: 'trap'). */
  readonly mode?: 'trap' | 'hext';
  /** Version 2: the guest's H state. */
  readonly hext?: HextVcpuState;
}

/**
 * A VM snapshot: exactly a MachineSnapshot of the VM's board (so a bare VirtMachine, a native VM
 * and a hosted VMM can load it), plus an optional `vm` header field. `.vmsnap` files carry the
 * extra field in their header section unchanged (writeSnapshot / readSnapshot).
 */
export type VmSnapshot = MachineSnapshot & { readonly vm?: VmSnapshotInfo };

/**
 * Capture a VM between hypervisor runs. The caller has parked the guest's registers in the virtual
 * hart (`Vcpu.save`) and says whether the vCPU waits in WFI; for a 'hext' VM resident on the real
 * hart it gives that hart, where the guest's VS CSRs are. The board's timeline is normalised:
 * a VM board is never run(), its time is its hart's retired count, and a board restored from the
 * snapshot (any board) continues from `timeline`.
 */
export function captureVm(vm: Vm, waiting: boolean, real?: Hart): VmSnapshot {
  // The VM header holds one vCPU's run state and H state; several are not captured (yet).
  if (vm.vcpuCount > 1) throw new ConfigError(`${vm.name}: snapshots of a VM with ${vm.vcpuCount} vCPUs are not supported (one vCPU only)`);
  const h = vm.hext;
  if (h?.resident === true && real === undefined) throw new ConfigError(`${vm.name}: its H state is in the real hart, which the caller did not give`);
  const s = snapshotMachine(vm.board);
  // Board time = timeline + (hart retired − currentStart); VirtMachine keeps currentStart private
  // (read structurally, as capture.ts reads Htif's options). Saved as one timeline value.
  const start = (vm.board as unknown as { readonly currentStart?: unknown }).currentStart;
  if (typeof start !== 'number') throw new ConfigError(`${vm.name}: cannot read the board's time base (VirtMachine.currentStart)`);
  const timeline = s.board.timeline + vm.vhart.hart.retired - start;
  return {
    ...s,
    board: { ...s.board, timeline, current: 0, waiting: [waiting] },
    vm: h === undefined
      ? { version: 1, name: vm.name, sbiMode: vm.sbiMode, weight: vm.weight, cap: vm.cap }
      : { version: 2, name: vm.name, sbiMode: vm.sbiMode, weight: vm.weight, cap: vm.cap, mode: 'hext', hext: h.capture(real) },
  };
}

/** Check that a snapshot fits a native VM and say what it needs; ConfigError naming what does not. */
export function checkVmSnapshot(s: VmSnapshot, what: string, instructionsPerTick?: number): VmSnapshotInfo {
  if (typeof s !== 'object' || s === null || s.version !== MACHINE_SNAPSHOT_VERSION || typeof s.config !== 'object') throw new ConfigError(`${what}: not a machine snapshot (version ${String((s as { version?: unknown }).version)})`);
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
  if (info !== undefined && ((info.version !== 1 && info.version !== 2) || (info.sbiMode !== 'firmware' && info.sbiMode !== 'hypervisor'))) {
    throw new ConfigError(`${what}: unknown VM header ${JSON.stringify(info, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }
  if (info?.version === 2) {
    if (info.mode !== 'hext') throw new ConfigError(`${what}: VM header version 2 with mode ${String(info.mode)}`);
    if (info.sbiMode !== 'hypervisor') throw new ConfigError(`${what}: a 'hext' VM snapshot must use the hypervisor's SBI`);
    const p = hextStateProblem(info.hext);
    if (p !== undefined) throw new ConfigError(`${what}: bad H state in the VM header: ${p}`);
  } else if (info !== undefined && (info.mode !== undefined || info.hext !== undefined)) {
    throw new ConfigError(`${what}: VM header version 1 with H state`);
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
  for (const v of s.config.virtio) if (v.kind === 'blk') out.push({ backend: open(v.disk), bus: 'virtio', slot: v.slot });
  if (s.config.pioDisk !== null) out.push({ backend: open(s.config.pioDisk), bus: 'pio' });
  return out;
}

/**
 * Load a snapshot into a VM built (not booted) with the same board. `loadDisks`: also make the
 * board's disk back ends show the recorded contents (false when they were opened from the
 * snapshot). Returns whether the vCPU waits in WFI. Throws SnapshotRestoreError naming what does
 * not fit.
 */
export function loadVmState(vm: Vm, s: VmSnapshot, loadDisks: boolean): boolean {
  const hext = s.vm?.version === 2 ? s.vm.hext : undefined;
  if ((vm.hext !== undefined) !== (hext !== undefined)) {
    throw new SnapshotRestoreError('vm', `the snapshot is of a '${hext === undefined ? 'trap' : 'hext'}' VM, ${vm.name} is a '${vm.mode}' VM`);
  }
  applySnapshot(vm.board, s, loadDisks, 'load');
  if (vm.hext !== undefined && hext !== undefined) vm.hext.restore(hext);
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
