import { ConfigError } from '@vm/core';
import { FileBlockBackend, MemoryBlockBackend, OverlayBlockBackend, type BlockBackend } from '@vm/devices';
import { applySnapshot, MACHINE_SNAPSHOT_VERSION, snapshotMachine, SnapshotRestoreError, type DiskSnapshot, type MachineSnapshot, type SparseImage } from '@vm/machine';
import type { Hart } from '@vm/isa';
import { hextStateProblem, type HextVcpuState } from './hext-context.js';
import { MAX_VCPUS, type Vm, type VcpuState, type VmDisk } from './vm.js';
import type { Suspension } from './vm-sbi-platform.js';

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
 *
 * A VM of several vCPUs (config.harts > 1, always on the hypervisor's SBI) adds `vcpus` and
 * `schedule`; readers that predate them refuse such a snapshot by its hart count already, so the
 * header versions stay. Each vCPU's virtual hart — registers, CSRs with its timer (stimecmp) and
 * latched SSIP, retired count — is hart i of the board snapshot, as on a bare -smp N board. What
 * the board does not hold: each vCPU's SBI HSM state (SBI spec 9: STARTED, STOPPED, SUSPENDED
 * with how it resumes), its H state under 'hext', and the credit scheduler's state (native) or the VMM's
 * turns (hosted: `turns`), without which the restored vCPUs would take turns in another order and
 * the guest would run differently.
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
  /** Version 2: the guest's H state (vCPU 0's when there are several; each is in `vcpus` then). */
  readonly hext?: HextVcpuState;
  /** Several vCPUs only: each one's state, in hart order (absent: one vCPU, its wait in board.waiting[0]). */
  readonly vcpus?: readonly VcpuSnapshotInfo[];
  /** Several vCPUs of the native hypervisor only: where the credit scheduler was with the VM's vCPUs. */
  readonly schedule?: VmScheduleState;
  /** Several vCPUs of a hosted VMM only (instead of `schedule`): where the VMM was in its vCPUs' turns. */
  readonly turns?: VmmTurnState;
}

/** One vCPU of a VM of several. */
export interface VcpuSnapshotInfo {
  /** running, waiting (WFI or an SBI hart_suspend) or offline (SBI HSM STOPPED: never started, or hart_stop). */
  readonly state: VcpuState;
  /** How a waiting vCPU was suspended by SBI hart_suspend (SBI spec 9.4); absent: WFI, or not waiting. */
  readonly suspended?: Suspension;
  /** Mode 'hext': the vCPU's H state. */
  readonly hext?: HextVcpuState;
}

/**
 * The credit scheduler (NativeHypervisor's) with a VM's vCPUs: its accounting period, the VM's use
 * of it, and per vCPU its credit, its use and when it last ran, in slices before the snapshot
 * (0 or less), so the restored vCPUs keep their order.
 */
export interface VmScheduleState {
  readonly version: 1;
  /** The accounting period's length and what is left of it, in instructions. */
  readonly period: number;
  readonly periodLeft: number;
  /** What the VM (its vCPUs together) used of the period. */
  readonly usedThisPeriod: number;
  readonly vcpus: readonly { readonly credit: number; readonly usedThisPeriod: number; readonly lastRun: number }[];
}

/**
 * A hosted VMM's turns with the vCPUs of its VM (hypervisor-hosted's VmmProgram runs them one
 * KVM_RUN after another, each for up to `quantum` instructions a turn): whose turn it is and how
 * much of its quantum that vCPU has used, so the restored VMM hands out the same turns at the same
 * instructions; `stuck` counts the vCPUs in a row that found the whole VM waiting (its stop test).
 */
export interface VmmTurnState {
  readonly version: 1;
  /** The vCPU whose turn it is: the next KVM_RUN is its. */
  readonly turn: number;
  /** Guest instructions per turn. */
  readonly quantum: number;
  /** What that vCPU already ran of its turn (0 to quantum − 1). */
  readonly used: number;
  readonly stuck: number;
}

/**
 * A VM snapshot: exactly a MachineSnapshot of the VM's board (so a bare VirtMachine, a native VM
 * and a hosted VMM can load it), plus an optional `vm` header field. `.vmsnap` files carry the
 * extra field in their header section unchanged (writeSnapshot / readSnapshot).
 */
export type VmSnapshot = MachineSnapshot & { readonly vm?: VmSnapshotInfo };

/**
 * Capture a VM between hypervisor runs. The caller has parked the resident vCPU's registers in its
 * virtual hart (`Vcpu.save`); for a 'hext' VM with a vCPU resident on the real hart it gives that
 * hart, where the guest's VS CSRs are; the native hypervisor gives its scheduler's state of a VM
 * of several vCPUs (`order`: a VmScheduleState), a hosted VMM its turns (a VmmTurnState). The board's timeline is normalised: a VM board is never run(), its time is
 * its harts' retired counts, and a board restored from the snapshot (any board) continues from
 * `timeline` (hart 0's progress, the board's `current`).
 */
export function captureVm(vm: Vm, real?: Hart, order?: VmScheduleState | VmmTurnState): VmSnapshot {
  if (vm.hexts.some((h) => h?.resident === true) && real === undefined) throw new ConfigError(`${vm.name}: its H state is in the real hart, which the caller did not give`);
  const several = vm.vcpuCount > 1;
  if (several && order === undefined) throw new ConfigError(`${vm.name}: a VM of ${vm.vcpuCount} vCPUs is captured with its scheduler's state`);
  const turns = order !== undefined && 'turn' in order ? order : undefined;
  const schedule = order !== undefined && !('turn' in order) ? order : undefined;
  const s = snapshotMachine(vm.board);
  // Board time = timeline + (hart retired − currentStart); VirtMachine keeps currentStart private
  // (read structurally, as capture.ts reads Htif's options). Saved as one timeline value.
  const start = (vm.board as unknown as { readonly currentStart?: unknown }).currentStart;
  if (typeof start !== 'number') throw new ConfigError(`${vm.name}: cannot read the board's time base (VirtMachine.currentStart)`);
  const timeline = s.board.timeline + vm.vharts[0]!.hart.retired - start;
  const hextOf = (i: number): HextVcpuState | undefined => {
    const h = vm.hexts[i];
    return h?.capture(h.resident ? real : undefined);
  };
  const vcpus = several
    ? vm.vharts.map((_, i): VcpuSnapshotInfo => {
        const state = vm.cpuState(i);
        const suspended = state === 'waiting' ? vm.sbiPlatform?.suspended[i] : undefined;
        const hext = hextOf(i);
        return { state, ...(suspended === undefined ? {} : { suspended }), ...(hext === undefined ? {} : { hext }) };
      })
    : undefined;
  const hext = vcpus === undefined ? hextOf(0) : vcpus[0]!.hext;
  const base = { name: vm.name, sbiMode: vm.sbiMode, weight: vm.weight, cap: vm.cap };
  const info: VmSnapshotInfo = hext === undefined ? { version: 1, ...base } : { version: 2, ...base, mode: 'hext', hext };
  return {
    ...s,
    // A vCPU not running (WFI, suspended, stopped) is a waiting hart to a board that loads this;
    // no round is in progress (a VM's board is never run(): the hypervisor runs its vCPUs).
    board: { ...s.board, timeline, current: 0, used: 0, ranAny: false, waiting: vm.vharts.map((_, i) => vm.cpuState(i) !== 'running') },
    vm: vcpus === undefined ? info : { ...info, vcpus, ...(turns === undefined ? { schedule } : { turns }) },
  };
}

/** Check that a snapshot fits a native VM and say what it needs; ConfigError naming what does not. */
export function checkVmSnapshot(s: VmSnapshot, what: string, instructionsPerTick?: number): VmSnapshotInfo {
  if (typeof s !== 'object' || s === null || s.version !== MACHINE_SNAPSHOT_VERSION || typeof s.config !== 'object') throw new ConfigError(`${what}: not a machine snapshot (version ${String((s as { version?: unknown }).version)})`);
  const c = s.config;
  if (!Number.isInteger(c.harts) || c.harts < 1 || c.harts > MAX_VCPUS) throw new ConfigError(`${what}: the snapshot has ${c.harts} harts; a VM has 1 to ${MAX_VCPUS} vCPUs`);
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
  const p = severalProblem(c.harts, info);
  if (p !== undefined) throw new ConfigError(`${what}: ${p}`);
  return info ?? { version: 1, name: 'vm', sbiMode: 'firmware', weight: 256, cap: 0 };
}

const VCPU_STATES: readonly unknown[] = ['running', 'waiting', 'offline'] satisfies VcpuState[];
const isU64 = (v: unknown): boolean => typeof v === 'bigint' && v >= 0n && v < 1n << 64n;
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** What is wrong with the per-vCPU part of a snapshot of `harts` harts, or undefined. */
function severalProblem(harts: number, info: VmSnapshotInfo | undefined): string | undefined {
  if (harts === 1) return info?.vcpus !== undefined || info?.schedule !== undefined || info?.turns !== undefined ? 'a snapshot of one hart with per-vCPU state' : undefined;
  // Several vCPUs run on the hypervisor's SBI only (VmConfig.vcpus): a bare -smp N board's snapshot has its firmware in RAM.
  if (info === undefined || info.sbiMode !== 'hypervisor') return `the snapshot has ${harts} harts and no VM header of the hypervisor's SBI; a VM of several vCPUs needs one (a bare -smp ${harts} board's snapshot continues on the bare board)`;
  const v = info.vcpus as readonly Partial<VcpuSnapshotInfo>[] | undefined;
  if (!Array.isArray(v) || v.length !== harts) return `the VM header has no per-vCPU state for its ${harts} harts`;
  for (const [i, e] of v.entries()) {
    if (typeof e !== 'object' || e === null || !VCPU_STATES.includes(e.state)) return `vCPU ${i}: state ${String(e?.state)} (running, waiting or offline expected)`;
    const s = e.suspended as Partial<{ retentive: unknown; addr: unknown; opaque: unknown }> | undefined;
    if (s !== undefined && (e.state !== 'waiting' || (s.retentive !== true && (s.retentive !== false || !isU64(s.addr) || !isU64(s.opaque))))) return `vCPU ${i}: bad SBI suspension ${String(s.retentive)} in state ${e.state}`;
    if (info.mode === 'hext') {
      const h = hextStateProblem(e.hext);
      if (h !== undefined) return `vCPU ${i}: bad H state: ${h}`;
    } else if (e.hext !== undefined) return `vCPU ${i}: H state in a '${info.mode ?? 'trap'}' VM`;
  }
  if (info.turns !== undefined) {
    if (info.schedule !== undefined) return 'the VM header has both a scheduler state and VMM turns';
    return turnsProblem(info.turns as unknown, harts);
  }
  const q = info.schedule as Partial<VmScheduleState> | undefined;
  if (q?.version !== 1 || !isNumber(q.period) || !isNumber(q.periodLeft) || !isNumber(q.usedThisPeriod) || !Array.isArray(q.vcpus) || q.vcpus.length !== harts ||
    !q.vcpus.every((e) => isNumber(e.credit) && isNumber(e.usedThisPeriod) && isNumber(e.lastRun) && e.lastRun <= 0)) {
    return `the VM header has no valid scheduler state for its ${harts} vCPUs`;
  }
  return undefined;
}

/** What is wrong with a hosted VMM's turns of `harts` vCPUs, field by field, or undefined. */
function turnsProblem(t: unknown, harts: number): string | undefined {
  if (typeof t !== 'object' || t === null) return `VMM turns: ${String(t)} (an object expected)`;
  const q = t as Partial<Record<keyof VmmTurnState, unknown>>;
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
  if (q.version !== 1) return `VMM turns: version ${String(q.version)} (1 expected)`;
  if (!int(q.quantum) || q.quantum < 1) return `VMM turns: quantum ${String(q.quantum)} (a positive integer expected)`;
  if (!int(q.turn) || q.turn < 0 || q.turn >= harts) return `VMM turns: turn ${String(q.turn)} (a vCPU 0 to ${harts - 1} expected)`;
  if (!int(q.used) || q.used < 0 || q.used >= q.quantum) return `VMM turns: used ${String(q.used)} (0 to ${q.quantum - 1} of the quantum expected)`;
  if (!int(q.stuck) || q.stuck < 0 || q.stuck > harts) return `VMM turns: stuck ${String(q.stuck)} (0 to ${harts} expected)`;
  return undefined;
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
 * Load a snapshot into a VM built (not booted) with the same board, checked by checkVmSnapshot.
 * `loadDisks`: also make the board's disk back ends show the recorded contents (false when they
 * were opened from the snapshot). Sets every vCPU's run state (and SBI suspension); the scheduler
 * state (`s.vm.schedule`) is the hypervisor's to load. Throws SnapshotRestoreError naming what
 * does not fit.
 */
export function loadVmState(vm: Vm, s: VmSnapshot, loadDisks: boolean): void {
  const hext = s.vm?.version === 2 ? s.vm.hext : undefined;
  if ((vm.hext !== undefined) !== (hext !== undefined)) {
    throw new SnapshotRestoreError('vm', `the snapshot is of a '${hext === undefined ? 'trap' : 'hext'}' VM, ${vm.name} is a '${vm.mode}' VM`);
  }
  const vcpus = s.vm?.vcpus;
  if ((vcpus?.length ?? 1) !== vm.vcpuCount) throw new SnapshotRestoreError('vm', `the snapshot has ${vcpus?.length ?? 1} vCPUs, ${vm.name} has ${vm.vcpuCount}`);
  applySnapshot(vm.board, s, loadDisks, 'load');
  for (let i = 0; i < vm.vcpuCount; i++) {
    const v = vcpus?.[i];
    const h = v === undefined ? hext : v.hext;
    if (h !== undefined) vm.hexts[i]?.restore(h);
    vm.setCpuState(i, v?.state ?? (s.board.waiting[i] === true ? 'waiting' : 'running'));
    if (vm.sbiPlatform !== undefined) vm.sbiPlatform.suspended[i] = v?.suspended;
  }
  // New shadows: the guest's page tables and PMP came from elsewhere.
  vm.shadow.flush();
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
