import { ConfigError, hex, COUNT_ZERO } from '@vm/core';
import { VirtualClock } from '@vm/machine';
import { PAGE_SIZE } from '@vm/mmu';
import {
  GStageTable,
  GUEST_RAM_BASE,
  HextVcpu,
  ShadowPageTable,
  TrapVcpu,
  Vm,
  captureVm,
  checkVmSnapshot,
  disksOf,
  loadVmState,
  type ExitVerdict,
  type GuestExit,
  type VmConfig,
  type VmOps,
  type VmSnapshot,
  type Vcpu,
} from '@vm/vcpu';
import { CreditScheduler, type Schedulable } from './credit-scheduler.js';
import { HostBoard } from './host-board.js';

export interface NativeHypervisorOptions {
  /** Host RAM in bytes: the hypervisor's own region plus every VM's partition. */
  readonly memory: number;
  /** Time slice in guest instructions (default 100 000). */
  readonly quantum?: number;
  /** Shadow page-table pool of each VM, in 4 KiB pages (default 1024 = 4 MiB). */
  readonly shadowPages?: number;
  /** Virtual time: instructions per 100 ns timer tick, as on the bare board (default 10). */
  readonly instructionsPerTick?: number;
  /** Exits in a row without one guest instruction retired before a VM is stopped (default 10 000). */
  readonly trapStormLimit?: number;
  /**
   * Default execution mode of its VMs: 'trap' (trap-and-emulate, shadow page tables) or 'hext'
   * (the real hart has the H extension; guests run in VS/VU under a G-stage). Default 'trap'.
   */
  readonly mode?: 'trap' | 'hext';
  /** Give the real hart the H extension (default: when mode is 'hext'); needed by any 'hext' VM. */
  readonly hExtension?: boolean;
  /**
   * Yield on IPI: a vCPU that sends an SBI IPI to another vCPU of its VM ends its slice, so the
   * target runs next instead of the sender spinning for the rest of its slice on the answer
   * (smp_call_function's csd lock, a TLB shootdown). Measured worse on 2-vCPU Linux boots
   * (README "Several vCPUs"), so off by default.
   */
  readonly yieldOnIpi?: boolean;
}

/** One vCPU as the credit scheduler sees it: its VM is its domain (weight and cap are the VM's). */
interface VcpuEntry extends Schedulable {
  readonly vm: Vm;
  readonly index: number;
  readonly cpu: Vcpu;
}

/** Why `run` returned. */
export interface HypervisorRunResult {
  /** budget: used up; idle: every live VM waits with nothing to wake it; stopped: no VM left running. */
  readonly reason: 'budget' | 'idle' | 'stopped';
  /** Guest instructions executed during this call. */
  readonly instructions: number;
  /** Steps that retired no instruction: traps taken inside guests (VmStats.trapSteps), bounded by the budget too. */
  readonly trapSteps: number;
}

export type ExitHook = (vm: Vm, exit: GuestExit) => ExitVerdict | undefined;

/**
 * A type-1 hypervisor for the RV64GC virt machine: one real hart whose M-mode is this TypeScript
 * code, VMs on their own partitions of host RAM with virtual boards for their devices, each run by
 * a vCPU of @vm/vcpu (trap-and-emulate with shadow page tables, or the H extension). What this
 * class adds is a type-1 hypervisor's own part: the credit scheduler sharing the hart, world
 * switches, the VMs' time while they wait, exit hooks (interposition) and accounting.
 */
export class NativeHypervisor {
  readonly host: HostBoard;
  readonly quantum: number;
  readonly vms: Vm[] = [];
  readonly scheduler: CreditScheduler;
  /** Total guest instructions executed by the real hart: the host's time base. */
  executed = COUNT_ZERO;
  /** World switches between vCPUs. */
  worldSwitches = 0;
  readonly mode: 'trap' | 'hext';
  private readonly hostClock: VirtualClock;
  private vmids = 0;
  /** real.retired at the start of the running slice, -1 between slices. */
  private sliceBase = -1;
  private readonly hooks: ExitHook[] = [];
  private readonly shadowPages: number;
  private readonly ipt: number;
  /** undefined: the vCPU layer's DEFAULT_TRAP_STORM_LIMIT. */
  private readonly stormLimit: number | undefined;
  /** The vCPU whose state is in the real hart. */
  private resident: VcpuEntry | undefined;
  /** Every VM's vCPUs, as scheduled. */
  private readonly entries = new Map<Vm, VcpuEntry[]>();
  private readonly yieldOnIpi: boolean;
  /** Instructions a waiting VM has been idle for, not yet turned into clock ticks. */
  private readonly idleCarry = new Map<Vm, number>();
  /** VMs held by the operator (a monitor's vm_pause, a debugger): not scheduled, their time stands still. */
  private readonly held = new Set<Vm>();

  constructor(options: NativeHypervisorOptions) {
    this.quantum = options.quantum ?? 100_000;
    if (!Number.isInteger(this.quantum) || this.quantum < 1) throw new ConfigError(`quantum must be a positive integer, got ${this.quantum}`);
    this.shadowPages = options.shadowPages ?? 1024;
    this.ipt = options.instructionsPerTick ?? 10;
    this.stormLimit = options.trapStormLimit;
    this.mode = options.mode ?? 'trap';
    this.yieldOnIpi = options.yieldOnIpi ?? false;
    // Host time advances with the real hart inside a slice too, so a guest under H that reads
    // `time` without exits (hcounteren.TM) sees it move between instructions, not per slice.
    this.hostClock = new VirtualClock(() => this.executed + (this.sliceBase < 0 ? 0 : this.host.hart.retired - this.sliceBase), this.ipt);
    this.host = new HostBoard(options.memory, this.hostClock, options.hExtension ?? this.mode === 'hext');
    this.scheduler = new CreditScheduler(this.quantum);
  }

  /** Create and boot a VM on a fresh partition of host memory. */
  createVm(config: VmConfig): Vm {
    if (this.vms.some((v) => v.name === config.name)) throw new ConfigError(`a VM named ${config.name} exists`);
    if (config.memory % PAGE_SIZE !== 0 || config.memory < 1 << 20) throw new ConfigError(`${config.name}: memory must be a multiple of 4 KiB, at least 1 MiB`);
    const pool = this.host.allocate(this.shadowPages * PAGE_SIZE, `${config.name} shadow page tables`);
    const window = this.host.allocate(config.memory, `${config.name} RAM`);
    const shadow = new ShadowPageTable(this.host.ram, pool.base, this.shadowPages);
    const mode = config.mode ?? this.mode;
    if (mode === 'hext' && !this.host.hart.hExtension) throw new ConfigError(`${config.name}: mode 'hext' needs a hypervisor with hExtension`);
    const vm = new Vm(config, window, this.host.ram, shadow, this.ipt, mode);
    const host = { hart: this.host.hart, ram: this.host.ram };
    const ops: VmOps = { exit: (e) => this.record(vm, e), hostTime: () => this.hostClock.now() };
    // One G-stage (H) or one set of shadow tables (trap) per VM, shared by its vCPUs: README "Several vCPUs".
    const hgatp = mode === 'hext'
      ? new GStageTable(this.host.ram, this.host.allocate(GStageTable.regionSize(GUEST_RAM_BASE, window.size), `${config.name} G-stage table`), GUEST_RAM_BASE, window, ++this.vmids).hgatp
      : 0n;
    const entries: VcpuEntry[] = [];
    for (let index = 0; index < vm.vcpuCount; index++) {
      const cpu = mode === 'hext'
        ? new HextVcpu(vm, host, ops, { hgatp, trapStormLimit: this.stormLimit, index })
        : new TrapVcpu(vm, host, ops, { pvMmu: config.pvMmu, trapStormLimit: this.stormLimit, index });
      vm.attach(cpu);
      entries.push({ vm, index, cpu, domain: vm, weight: vm.weight, cap: vm.cap, credit: 0, usedThisPeriod: 0, lastRun: 0 });
    }
    vm.select(0);
    this.entries.set(vm, entries);
    this.vms.push(vm);
    return vm;
  }

  /**
   * Back to the state the constructor leaves (its options kept): every VM destroyed (its RAM
   * window retired), host RAM zero again where it was written, the hart, the scheduler, the clock,
   * the hooks and the counters as new. For many short-lived guests (a fuzzer's): building a
   * hypervisor for each (a new host RAM to allocate and fault in, a new hart and translator) cost
   * about as much as running the guest.
   */
  reset(): void {
    for (const vm of this.vms) vm.destroy();
    this.vms.length = 0;
    this.entries.clear();
    this.idleCarry.clear();
    this.held.clear();
    this.hooks.length = 0;
    this.resident = undefined;
    this.sliceBase = -1;
    this.executed = 0;
    this.worldSwitches = 0;
    this.vmids = 0;
    this.scheduler.reset();
    this.hostClock.restore({ version: 1, skipped: 0 });
    this.host.reset();
  }

  /**
   * Snapshot `vm` between run() calls: its board (virtual hart, clock, devices and virtqueues, RAM,
   * disks) plus the VM header (vm-snapshot.ts). Its registers are parked first if it is resident.
   */
  snapshotVm(vm: Vm): VmSnapshot {
    if (!this.vms.includes(vm)) throw new ConfigError(`${vm.name} is not a VM of this hypervisor`);
    const resident = this.resident?.vm === vm ? this.resident : undefined;
    // A copy into the virtual hart: the vCPU stays loaded, so taking a snapshot does not disturb the run.
    if (resident !== undefined) vm.vharts[resident.index]!.save(this.host.hart);
    const entries = this.entries.get(vm)!;
    // One vCPU keeps the header it always had; several need their turns to resume exactly.
    const schedule = vm.vcpuCount > 1 ? this.scheduler.capture(vm, entries) : undefined;
    return captureVm(vm, resident === undefined ? undefined : this.host.hart, schedule);
  }

  /**
   * Create a VM from a snapshot (of a native VM, a hosted VMM or a bare virt board): same memory
   * and disks, not booted, its board loaded from the snapshot; its vCPUs resume exactly there (each
   * in its HSM state, the scheduler's turns as they were: vm-snapshot.ts), in the snapshot's mode ('hext' needs an H-capable hart; its G-stage and VMID are new).
   */
  restoreVm(snapshot: VmSnapshot, config: Pick<VmConfig, 'name' | 'console'> & Partial<Pick<VmConfig, 'weight' | 'cap' | 'pvMmu' | 'boardDevices'>>): Vm {
    const info = checkVmSnapshot(snapshot, config.name, this.ipt);
    const vm = this.createVm({ weight: info.weight, cap: info.cap, ...config, memory: snapshot.config.memory, disks: disksOf(snapshot), virtioForceLegacy: snapshot.config.forceLegacy, sbi: info.sbiMode, vcpus: snapshot.config.harts, mode: info.mode ?? 'trap', boot: false });
    try {
      loadVmState(vm, snapshot, false);
      const schedule = snapshot.vm?.schedule;
      if (schedule !== undefined) this.scheduler.restore(vm, this.entries.get(vm)!, schedule, this.vms.length === 1);
    } catch (e) {
      this.vms.splice(this.vms.indexOf(vm), 1);
      this.entries.delete(vm);
      throw e;
    }
    return vm;
  }

  /**
   * Register a hook called on every exit before it is handled. It may inspect the guest
   * (`vm.vhart`, `vm.readRegister`), change its registers, deny the operation or stop the VM.
   * Returns a function that removes the hook.
   */
  onExit(hook: ExitHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /**
   * Hold `vm` (a monitor's pause, a debugger's stop): the scheduler skips it and its clock stands
   * still, as QEMU's `stop` stops a machine's virtual clock; the other VMs run on.
   */
  pause(vm: Vm): void {
    this.held.add(vm);
  }

  resume(vm: Vm): void {
    this.held.delete(vm);
  }

  isPaused(vm: Vm): boolean {
    return this.held.has(vm);
  }

  /** Guest integer register `i` of `vm`, wherever it currently lives. */
  readRegister(vm: Vm, i: number): bigint {
    return vm.vcpu.readRegister(i);
  }

  writeRegister(vm: Vm, i: number, value: bigint): void {
    vm.vcpu.writeRegister(i, value);
  }

  /** Run the VMs for up to `budget` guest instructions in total. */
  run(budget: number): HypervisorRunResult {
    let done = 0;
    // Steps that retired nothing (a guest's trap loop inside its own S/VS-mode) are bounded by the
    // budget too, apart, as on the bare board: a VM that never retires still gives control back.
    let stalled = 0;
    while (done < budget && stalled < budget) {
      const all = this.vms.filter((v) => v.state !== 'stopped');
      if (all.length === 0) return { reason: 'stopped', instructions: done, trapSteps: stalled };
      const live = this.held.size === 0 ? all : all.filter((v) => !this.held.has(v));
      const runnable: VcpuEntry[] = [];
      for (const v of live) for (const e of this.entries.get(v)!) if (v.cpuState(e.index) === 'running') runnable.push(e);
      const entry = this.scheduler.pick(runnable);
      if (entry === undefined) {
        // Work-conserving: nobody can run, so jump the waiting VMs' time to the next deadline.
        if (!this.skipToDeadline(live)) return { reason: 'idle', instructions: done, trapSteps: stalled };
        continue;
      }
      this.sliceBase = this.host.hart.retired;
      const vm = entry.vm;
      const trapsBefore = vm.stats.trapSteps;
      const n = this.runSlice(entry, Math.min(this.quantum, budget - done, budget - stalled));
      this.sliceBase = -1;
      const t = vm.stats.trapSteps - trapsBefore;
      // Trap steps are CPU time: charged to the vCPU that spent it, and passing for those waiting,
      // so a VM in a trap loop neither wins the scheduler nor freezes its neighbours' clocks.
      this.scheduler.charge(entry, Math.max(n + t, 1));
      done += n;
      stalled += t;
      this.executed += n;
      // A VM none of whose vCPUs runs waits: its time passes as the host's does (a VM with a
      // runnable vCPU moves its clock by its own instructions).
      for (const w of live) if (w !== vm && w.state !== 'stopped' && w.idle) this.passTime(w, n + t);
    }
    return { reason: 'budget', instructions: done, trapSteps: stalled };
  }

  // ---------------------------------------------------------------- one slice of one vCPU

  /** Run one vCPU for one slice: exits it returns are accounted; the slice ends at a wait, a stop or a yield. */
  private runSlice(entry: VcpuEntry, slice: number): number {
    const vm = entry.vm;
    this.switchTo(entry);
    vm.select(entry.index);
    const start = vm.stats.guestInstructions;
    const limit = Math.min(slice, this.untilDeadline(vm));
    const platform = vm.sbiPlatform;
    if (platform !== undefined) platform.ipiToOther = false;
    while (vm.state === 'running') {
      const left = limit - (vm.stats.guestInstructions - start);
      if (left <= 0) break;
      const exit = entry.cpu.run(left);
      if (exit.kind === 'budget' || exit.kind === 'interrupt') break;
      if (this.yieldOnIpi && platform?.ipiToOther === true) {
        // The IPI's target (woken already) runs next: it has not run since this vCPU did.
        vm.stats.count('yield.ipi');
        break;
      }
    }
    this.service(vm);
    return vm.stats.guestInstructions - start;
  }

  /** Every exit passes the hooks before its vCPU handles it. */
  private record(vm: Vm, exit: GuestExit): ExitVerdict {
    let verdict: ExitVerdict = 'continue';
    for (const hook of this.hooks) {
      const v = hook(vm, exit);
      if (v === 'stop') return 'stop';
      if (v === 'deny') verdict = 'deny';
    }
    return verdict;
  }

  /** World switch: park the resident vCPU's state and load `entry`'s (another VM's or a sibling's). */
  private switchTo(entry: VcpuEntry): void {
    if (this.resident === entry) return;
    this.resident?.cpu.save();
    entry.cpu.load();
    this.resident = entry;
    this.worldSwitches++;
    entry.vm.stats.count('world-switch');
  }

  /** Time-driven devices of the VM's board, and the wake-up of its waiting vCPUs. */
  private service(vm: Vm): void {
    vm.board.tickDevices();
    const platform = vm.sbiPlatform;
    for (const e of this.entries.get(vm)!) {
      if (vm.cpuState(e.index) !== 'waiting') continue;
      if (platform !== undefined) platform.wake(e.index);
      else if (e.cpu.wakeable()) vm.setCpuState(e.index, 'running');
    }
  }

  /** The earliest timer deadline among the VM's vCPUs that are not offline. */
  private deadline(vm: Vm): bigint | undefined {
    let best: bigint | undefined;
    for (const e of this.entries.get(vm)!) {
      if (vm.cpuState(e.index) === 'offline') continue;
      const d = e.cpu.deadline();
      if (d !== undefined && (best === undefined || d < best)) best = d;
    }
    return best;
  }

  /** Guest instructions until the VM's next timer deadline (so interrupts arrive on time). */
  private untilDeadline(vm: Vm): number {
    const d = this.deadline(vm);
    if (d === undefined) return Number.MAX_SAFE_INTEGER;
    const now = vm.board.clock.now();
    if (d <= now) return Number.MAX_SAFE_INTEGER;
    return Math.max(1, Number(d - now) * this.ipt - ((vm.vhart.hart.retired % this.ipt) | 0));
  }

  /** A waiting VM's time passes while others run, but never beyond its next deadline. */
  private passTime(vm: Vm, instructions: number): void {
    const carry = (this.idleCarry.get(vm) ?? 0) + instructions;
    let ticks = Math.floor(carry / this.ipt);
    this.idleCarry.set(vm, carry - ticks * this.ipt);
    const d = this.deadline(vm);
    const now = vm.board.clock.now();
    if (d !== undefined && d > now) ticks = Math.min(ticks, Number(d - now));
    vm.board.clock.skip(ticks);
    this.service(vm);
  }

  /** Every live VM waits: skip to the earliest deadline among them. False when there is none. */
  private skipToDeadline(live: readonly Vm[]): boolean {
    let best: number | undefined;
    for (const vm of live) {
      const d = this.deadline(vm);
      if (d === undefined) continue;
      const dt = Number(d - vm.board.clock.now());
      if (dt > 0 && (best === undefined || dt < best)) best = dt;
    }
    if (best === undefined) {
      for (const vm of live) this.service(vm);
      return live.some((v) => v.state !== 'stopped' && !v.idle);
    }
    for (const vm of live) {
      vm.board.clock.skip(best);
      this.service(vm);
    }
    return true;
  }

  /** A one-line status of every VM. */
  describe(): string {
    return this.vms.map((v) => `${v.describe()} [${v.stats.guestInstructions} insns, pc ${hex(v.vhart.hart.pc)}]`).join('\n');
  }
}
