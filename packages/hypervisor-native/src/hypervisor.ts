import { ConfigError, hex } from '@vm/core';
import { VirtualClock } from '@vm/machine';
import { PAGE_SIZE } from '@vm/mmu';
import { CreditScheduler } from './credit-scheduler.js';
import type { ExitVerdict, GuestExit } from './exit-reason.js';
import { HostBoard } from './host-board.js';
import { ShadowPageTable } from './shadow-page-table.js';
import { TrapEmulator } from './trap-emulator.js';
import { Vm, type VmConfig } from './vm.js';
import { SbiServer, type FenceRequest } from '@vm/paravirt';
import { ShadowPvMmu } from './shadow-pv-mmu.js';
import { GStageTable } from './gstage-table.js';
import { HextEmulator } from './hext-emulator.js';
import { CSR_HTIMEDELTA, CSR_HVIP, CSR_VSTIMECMP, HIP_VSEIP, HIP_VSSIP, HextVcpu } from './hext-vcpu.js';
import { GUEST_RAM_BASE } from './vm.js';
import { VmSbiPlatform, type VcpuSbiHooks } from './vm-sbi-platform.js';
import { captureVm, checkVmSnapshot, disksOf, loadVmState, type VmSnapshot } from './vm-snapshot.js';

const PRIV_U = 0;
const PRIV_M = 3;
const MSTATUS_FS = 3 << 13;
const FS_DIRTY = 3;
const CSR_MIP = 0x344;
const CSR_MIE = 0x304;
const CSR_MENVCFG = 0x30a;
const CSR_STIMECMP = 0x14d;
const CAUSE_ILLEGAL = 2;
const MIP_SSIP = 1n << 1n;
const MIP_SEIP = 1n << 9n;
const PRIV_S = 1;
/** SBI_ERR_DENIED (SBI spec 3.2): what a guest gets for an SBI call an exit hook denies. */
const SBI_DENIED = BigInt.asUintN(64, -4n);

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
}

/** Why `run` returned. */
export interface HypervisorRunResult {
  /** budget: used up; idle: every live VM waits with nothing to wake it; stopped: no VM left running. */
  readonly reason: 'budget' | 'idle' | 'stopped';
  /** Guest instructions executed during this call. */
  readonly instructions: number;
}

export type ExitHook = (vm: Vm, exit: GuestExit) => ExitVerdict | undefined;

/**
 * A type-1 hypervisor for the RV64GC virt machine by classic trap-and-emulate with shadow page
 * tables: one real hart whose M-mode is this TypeScript code, VMs whose every privilege level runs
 * in real U-mode on their own partition of host RAM, virtual boards for their devices, and a
 * credit scheduler sharing the hart among them.
 */
export class NativeHypervisor {
  readonly host: HostBoard;
  readonly quantum: number;
  readonly vms: Vm[] = [];
  readonly scheduler: CreditScheduler;
  /** Total guest instructions executed by the real hart: the host's time base. */
  executed = 0;
  /** World switches between vCPUs. */
  worldSwitches = 0;
  readonly mode: 'trap' | 'hext';
  private readonly emulator: TrapEmulator;
  private readonly hext: HextEmulator;
  private readonly hostClock: VirtualClock;
  private vmids = 0;
  /** real.retired at the start of the running slice, -1 between slices. */
  private sliceBase = -1;
  private readonly hooks: ExitHook[] = [];
  private readonly shadowPages: number;
  private readonly ipt: number;
  private readonly stormLimit: number;
  private resident: Vm | undefined;
  private residentGeneration = -1;
  /** Instructions a waiting VM has been idle for, not yet turned into clock ticks. */
  private readonly idleCarry = new Map<Vm, number>();

  constructor(options: NativeHypervisorOptions) {
    this.quantum = options.quantum ?? 100_000;
    if (!Number.isInteger(this.quantum) || this.quantum < 1) throw new ConfigError(`quantum must be a positive integer, got ${this.quantum}`);
    this.shadowPages = options.shadowPages ?? 1024;
    this.ipt = options.instructionsPerTick ?? 10;
    this.stormLimit = options.trapStormLimit ?? 10_000;
    this.mode = options.mode ?? 'trap';
    // Host time advances with the real hart inside a slice too, so a guest under H that reads
    // `time` without exits (hcounteren.TM) sees it move between instructions, not per slice.
    this.hostClock = new VirtualClock(() => this.executed + (this.sliceBase < 0 ? 0 : this.host.hart.retired - this.sliceBase), this.ipt);
    this.host = new HostBoard(options.memory, this.hostClock, options.hExtension ?? this.mode === 'hext');
    this.emulator = new TrapEmulator(this.host.hart);
    this.hext = new HextEmulator(this.host.hart, this.host.ram);
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
    const vm = new Vm(config, window, this.host.ram.bytes, shadow, this.ipt, mode);
    if (mode === 'hext') {
      const region = this.host.allocate(GStageTable.regionSize(GUEST_RAM_BASE, window.size), `${config.name} G-stage table`);
      const g = new GStageTable(this.host.ram, region, GUEST_RAM_BASE, window, ++this.vmids);
      vm.hext = new HextVcpu(vm, g.hgatp);
      vm.sbi = new SbiServer(new VmSbiPlatform(vm, this.hextSbiHooks(vm, vm.hext)), {
        waitForInterrupt: () => void (vm.state = 'waiting'),
      });
    } else if (vm.sbiMode === 'hypervisor') {
      const pv = config.pvMmu === false ? undefined : new ShadowPvMmu(vm, this.host.hart);
      vm.sbi = new SbiServer(new VmSbiPlatform(vm, this.trapSbiHooks(vm)), {
        pvMmu: pv,
        waitForInterrupt: () => void (vm.state = 'waiting'),
      });
    }
    this.vms.push(vm);
    return vm;
  }

  /**
   * Snapshot `vm` between run() calls: its board (virtual hart, clock, devices and virtqueues, RAM,
   * disks) plus the VM header (vm-snapshot.ts). Its registers are parked first if it is resident.
   */
  snapshotVm(vm: Vm): VmSnapshot {
    if (!this.vms.includes(vm)) throw new ConfigError(`${vm.name} is not a VM of this hypervisor`);
    if (this.resident === vm) vm.vcpu.save(this.host.hart);
    return captureVm(vm, vm.state === 'waiting', this.resident === vm ? this.host.hart : undefined);
  }

  /**
   * Create a VM from a snapshot (of a native VM, a hosted VMM or a bare virt board): same memory
   * and disks, not booted, its board loaded from the snapshot; its vCPU resumes exactly there, in
   * the snapshot's mode ('hext' needs an H-capable hart; its G-stage and VMID are new).
   */
  restoreVm(snapshot: VmSnapshot, config: Pick<VmConfig, 'name' | 'console'> & Partial<Pick<VmConfig, 'weight' | 'cap' | 'pvMmu'>>): Vm {
    const info = checkVmSnapshot(snapshot, config.name, this.ipt);
    const vm = this.createVm({ weight: info.weight, cap: info.cap, ...config, memory: snapshot.config.memory, disks: disksOf(snapshot), virtioForceLegacy: snapshot.config.forceLegacy, sbi: info.sbiMode, mode: info.mode ?? 'trap', boot: false });
    try {
      vm.state = loadVmState(vm, snapshot, false) ? 'waiting' : 'running';
    } catch (e) {
      this.vms.splice(this.vms.indexOf(vm), 1);
      throw e;
    }
    return vm;
  }

  /**
   * Register a hook called on every exit before it is handled. It may inspect the guest
   * (`vm.vcpu`, `vm.readRegister`), change its registers, deny the operation or stop the VM.
   * Returns a function that removes the hook.
   */
  onExit(hook: ExitHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Guest integer register `i` of `vm`, wherever it currently lives. */
  readRegister(vm: Vm, i: number): bigint {
    return this.resident === vm ? this.host.hart.x[i]! : vm.vcpu.hart.x[i]!;
  }

  writeRegister(vm: Vm, i: number, value: bigint): void {
    if (i === 0) return;
    (this.resident === vm ? this.host.hart.x : vm.vcpu.hart.x)[i] = BigInt.asUintN(64, value);
  }

  /** Run the VMs for up to `budget` guest instructions in total. */
  run(budget: number): HypervisorRunResult {
    let done = 0;
    while (done < budget) {
      const live = this.vms.filter((v) => v.state !== 'stopped');
      if (live.length === 0) return { reason: 'stopped', instructions: done };
      const runnable = live.filter((v) => v.state === 'running');
      const vm = this.scheduler.pick(runnable);
      if (vm === undefined) {
        // Work-conserving: nobody can run, so jump the waiting VMs' time to the next deadline.
        if (!this.skipToDeadline(live)) return { reason: 'idle', instructions: done };
        continue;
      }
      this.sliceBase = this.host.hart.retired;
      const n = this.runSlice(vm, Math.min(this.quantum, budget - done));
      this.sliceBase = -1;
      this.scheduler.charge(vm, Math.max(n, 1));
      done += n;
      this.executed += n;
      for (const w of live) if (w !== vm && w.state === 'waiting') this.passTime(w, n);
    }
    return { reason: 'budget', instructions: done };
  }

  // ---------------------------------------------------------------- one slice of one VM

  private runSlice(vm: Vm, slice: number): number {
    const real = this.host.hart;
    this.switchTo(vm);
    const start = vm.stats.guestInstructions;
    let remaining = Math.min(slice, this.untilDeadline(vm));
    while (vm.state === 'running' && remaining > 0) {
      try {
        if (!this.enter(vm)) break;
        const before = real.retired;
        let exit = real.run(remaining);
        // A trap on the last instruction of the budget leaves its exit pending in the hart (it is
        // back in M-mode): collect it now, or it would surface in whichever vCPU runs next.
        if (exit.reason === 'budget' && real.priv === PRIV_M) exit = real.run(1);
        const ran = real.retired - before;
        vm.stats.direct += ran;
        vm.vcpu.hart.retired += ran;
        remaining -= ran;
        vm.idleExits = ran === 0 ? vm.idleExits + 1 : 0;
        const h = vm.hext;
        if (h === undefined && (real.mstatus & MSTATUS_FS) >> 13 === FS_DIRTY && vm.vcpu.fs !== 0) vm.vcpu.hart.markFpDirty();
        if (exit.reason === 'budget') {
          if (h !== undefined) h.suspend(real);
          else vm.vcpu.hart.pc = real.pc;
          const verdict = this.record(vm, { reason: 'timer', cause: 0n, tval: 0n, epc: real.pc, vpriv: vm.vcpu.vpriv, at: vm.stats.guestInstructions });
          if (verdict === 'stop') vm.stop('hook', 'stopped by an exit hook at a timer exit', real.pc);
          break;
        }
        if (exit.reason !== 'trap') {
          vm.stop('hypervisor-error', `unexpected exit ${exit.reason} from the real hart`, real.pc);
          break;
        }
        if (vm.idleExits > this.stormLimit) {
          vm.stop('trap-storm', `${vm.idleExits} exits in a row without progress (last cause ${exit.cause})`, exit.epc);
          break;
        }
        const cause = Number(exit.cause & 0xffn);
        const interrupt = exit.cause >> 63n !== 0n;
        if (h !== undefined ? this.handleHextTrap(vm, h, cause, interrupt, exit.tval, exit.epc) : this.handleTrap(vm, cause, interrupt, exit.tval, exit.epc)) remaining--;
        vm.board.clint.update();
        const req = vm.board.requested;
        if (req !== undefined) this.deviceExit(vm, req.reason === 'poweroff' ? req.code : undefined, req.reason);
      } catch (e) {
        // A bug or an unforeseen guest action stops this VM alone, never the hypervisor.
        vm.stop('hypervisor-error', e instanceof Error ? `${e.name}: ${e.message}` : String(e), vm.vcpu.hart.pc);
      }
    }
    this.service(vm);
    return vm.stats.guestInstructions - start;
  }

  /** Prepare the real hart to resume the guest; false when the VM cannot continue. */
  private enter(vm: Vm): boolean {
    const real = this.host.hart;
    const vcpu = vm.vcpu;
    if (vm.hext !== undefined) return this.enterHext(vm, vm.hext);
    if (real.virt) real.virt = false;
    // Interrupts are taken at instruction boundaries by the guest's own rules (priv spec 3.1.9).
    const irq = vcpu.injectInterrupt();
    if (irq >= 0) vm.stats.count('exit.interrupt');
    if (vm.sbiMode === 'hypervisor' && vcpu.vpriv === PRIV_M) {
      // No firmware in the VM: a trap the guest did not delegate has nowhere to go.
      vm.stop('guest-error', `trap into virtual M-mode with no firmware (mcause ${hex(vcpu.hart.readCsr(0x342))})`, vcpu.hart.pc);
      return false;
    }
    const shadow = vm.shadow;
    const satp = shadow.satpFor(vcpu.viewKey());
    if (shadow.generation !== this.residentGeneration) {
      real.mmu.flushAll();
      this.residentGeneration = shadow.generation;
    }
    if (real.satp !== satp) {
      // Shadow roots are distinct pages and TLB entries are tagged by root: no flush needed.
      real.satp = satp;
      real.mmu.satp = satp;
    }
    const ms = real.mstatus & ~MSTATUS_FS;
    real.setMstatus(ms | (vcpu.fs << 13));
    real.pc = vcpu.hart.pc;
    real.priv = PRIV_U;
    return true;
  }

  /**
   * Resume a guest under the H extension. Its VS interrupts are the hardware's business; the
   * hypervisor only mirrors the VM's PLIC supervisor line into hvip.VSEIP (priv spec 8.2.3) and
   * keeps the guest's time base: htimedelta = VM time − host time, so `time` in VS and vstimecmp
   * are the VM's virtual time (8.2.6, Sstc 2.3).
   */
  private enterHext(vm: Vm, h: HextVcpu): boolean {
    const real = this.host.hart;
    const seip = (vm.vcpu.hart.readCsr(CSR_MIP) & MIP_SEIP) !== 0n;
    const hvip = real.readCsr(CSR_HVIP);
    real.writeCsr(CSR_HVIP, seip ? hvip | HIP_VSEIP : hvip & ~HIP_VSEIP);
    real.writeCsr(CSR_HTIMEDELTA, BigInt.asUintN(64, vm.board.clock.now() - this.hostClock.now()));
    real.updateSstc();
    real.setMstatus((real.mstatus & ~MSTATUS_FS) | (FS_DIRTY << 13));
    h.resume(real);
    return true;
  }

  /** Handle one exit of a guest under the H extension; true when it retired a guest instruction. */
  private handleHextTrap(vm: Vm, h: HextVcpu, cause: number, interrupt: boolean, tval: bigint, epc: bigint): boolean {
    const real = this.host.hart;
    h.exited(real, epc);
    if (interrupt) {
      this.record(vm, { reason: 'timer', cause: BigInt(cause) | (1n << 63n), tval, epc, vpriv: h.priv, at: vm.stats.guestInstructions });
      return false;
    }
    const reason = this.hext.classify(cause, tval);
    if (reason === 'sbi') return this.sbiCall(vm, tval, epc);
    const verdict = this.record(vm, { reason, cause: BigInt(cause), tval, epc, vpriv: h.priv, at: vm.stats.guestInstructions });
    if (verdict === 'stop') {
      vm.stop('hook', `stopped by an exit hook at a ${reason} exit`, epc);
      return false;
    }
    if (verdict === 'deny') {
      h.inject(real, reason === 'mmio' ? (cause === 23 ? 7 : cause === 20 ? 1 : 5) : CAUSE_ILLEGAL, tval, epc);
      vm.stats.count('inject.exception');
      return false;
    }
    const retired = this.hext.apply(vm, h, reason, cause, tval, epc);
    if (retired) vm.stats.emulated++;
    vm.vcpu.hart.pc = h.pc;
    return retired;
  }

  /** The SBI's hart-level effects under H: vstimecmp (Sstc), hvip.VSSIP, the hart's TLB. */
  private hextSbiHooks(vm: Vm, h: HextVcpu): VcpuSbiHooks {
    const real = this.host.hart;
    return {
      setTimer: (stime) => {
        h.setCsr(real, CSR_VSTIMECMP, stime);
        if (h.resident) real.updateSstc();
      },
      setSoftwareInterrupt: (p) => {
        const v = h.csr(real, CSR_HVIP);
        h.setCsr(real, CSR_HVIP, p ? v | HIP_VSSIP : v & ~HIP_VSSIP);
      },
      fence: () => {
        real.mmu.flushAll();
        real.translationChanged();
      },
    };
  }

  /** Handle one trap; true when it retired a guest instruction by emulation. */
  private handleTrap(vm: Vm, cause: number, interrupt: boolean, tval: bigint, epc: bigint): boolean {
    const vcpu = vm.vcpu;
    vcpu.hart.pc = epc;
    if (interrupt) {
      // The real hart takes no interrupts of its own (mie = 0); treat one as a preemption.
      this.record(vm, { reason: 'timer', cause: BigInt(cause) | (1n << 63n), tval, epc, vpriv: vcpu.vpriv, at: vm.stats.guestInstructions });
      return false;
    }
    const c = this.emulator.classify(vm, cause, tval);
    if (c.reason === 'ecall' && vm.sbi !== undefined && vcpu.vpriv === PRIV_S) return this.sbiCall(vm, tval, epc);
    const exit: GuestExit = { reason: c.reason, cause: BigInt(cause), tval, epc, vpriv: vcpu.vpriv, at: vm.stats.guestInstructions };
    const verdict = this.record(vm, exit);
    if (verdict === 'stop') {
      vm.stop('hook', `stopped by an exit hook at a ${c.reason} exit`, epc);
      return false;
    }
    if (verdict === 'deny' && c.action !== 'fill') {
      const denied = c.reason === 'mmio' ? TrapEmulator.accessFault(c.access) : CAUSE_ILLEGAL;
      vcpu.inject(denied, c.reason === 'mmio' ? tval : cause === CAUSE_ILLEGAL ? tval : 0n, epc);
      vm.stats.count('inject.exception');
      return false;
    }
    switch (c.action) {
      case 'fill':
        this.emulator.fill(vm, tval, c.access!, c.gpa!);
        return false;
      case 'inject': {
        const inj = TrapEmulator.injection(vm, cause, tval, epc, c);
        vcpu.inject(inj.cause, inj.tval, epc);
        if (c.reason !== 'ecall') vm.stats.count('inject.exception');
        return false;
      }
      default:
        return this.emulate(vm, c.reason, tval, epc);
    }
  }

  /**
   * An ECALL from the guest's S-mode with the hypervisor as its SBI firmware: the SbiServer reads
   * a0–a7 from the real hart (the vCPU is resident), acts, writes a0/a1; the guest resumes after
   * the ECALL (SBI spec 3.1). Counted as `exit.sbi` and `sbi.<extension>`.
   */
  private sbiCall(vm: Vm, tval: bigint, epc: bigint): boolean {
    const real = this.host.hart;
    const verdict = this.record(vm, { reason: 'sbi', cause: BigInt(vm.hext !== undefined ? 10 : 9), tval, epc, vpriv: 1, at: vm.stats.guestInstructions });
    if (verdict === 'stop') {
      vm.stop('hook', 'stopped by an exit hook at an sbi exit', epc);
      return false;
    }
    if (verdict === 'deny') real.x[10] = SBI_DENIED;
    else {
      const out = vm.sbi!.handle({ read: (i) => real.x[i]!, write: (i, v) => void (real.x[i] = v) });
      vm.stats.count(`sbi.${out.extension}`);
    }
    vm.vcpu.hart.pc = epc + 4n;
    if (vm.hext !== undefined) vm.hext.pc = epc + 4n;
    vm.stats.emulated++;
    return true;
  }

  /** The SBI's hart-level effects in trap mode: on the virtual hart (Sstc stimecmp, mip.SSIP) and the shadows. */
  private trapSbiHooks(vm: Vm): VcpuSbiHooks {
    const v = vm.vcpu.hart;
    return {
      setTimer: (stime) => v.writeCsr(CSR_STIMECMP, stime),
      setSoftwareInterrupt: (p) => v.writeCsr(CSR_MIP, p ? v.readCsr(CSR_MIP) | MIP_SSIP : v.readCsr(CSR_MIP) & ~MIP_SSIP),
      fence: (r: FenceRequest) => this.fenceShadows(vm, r),
    };
  }

  /** RFENCE from the guest: its shadows follow (the whole range, or page by page when small). */
  private fenceShadows(vm: Vm, r: FenceRequest): void {
    if (r.kind === 'fence.i') return;
    const all = r.size === 0n || r.size === (1n << 64n) - 1n || r.size > 64n * 4096n;
    if (all) vm.shadow.flush();
    else for (let va = r.start & ~0xfffn; va < r.start + r.size; va += 4096n) vm.shadow.unmap(va);
    vm.stats.count('shadow.flush');
    const v = vm.vcpu.hart;
    v.mmu.flushAll();
    v.translationChanged();
    if (this.resident === vm) {
      this.host.hart.mmu.flushAll();
      this.host.hart.translationChanged();
    }
  }

  /** Re-execute the trapped instruction on the virtual hart, then apply its side effects. */
  private emulate(vm: Vm, reason: string, tval: bigint, epc: bigint): boolean {
    const real = this.host.hart;
    const insn = Number(tval & 0xffff_ffffn);
    const sfence = reason === 'privileged' && (insn & 0xfe00_7fff) === 0x1200_0073;
    const rs1 = (insn >> 15) & 31;
    const va = sfence && rs1 !== 0 ? real.x[rs1]! : undefined;
    const { exit, retired } = vm.vcpu.step(real, epc);
    if (retired) vm.stats.emulated++;
    else vm.stats.count('inject.exception');
    // Write-protected guest tables keep the shadows coherent already (guest-page-tables.ts).
    if (sfence && retired && !vm.shadow.coherent) {
      // The guest changed its page tables: its shadows follow (priv spec 4.2.1).
      if (va === undefined) vm.shadow.flush();
      else vm.shadow.unmap(va);
      vm.stats.count('shadow.flush');
      real.mmu.flushAll();
      real.translationChanged();
    }
    if (exit.reason === 'wfi') vm.state = 'waiting';
    return retired;
  }

  private record(vm: Vm, exit: GuestExit): ExitVerdict {
    vm.stats.exit(exit);
    let verdict: ExitVerdict = 'continue';
    for (const hook of this.hooks) {
      const v = hook(vm, exit);
      if (v === 'stop') return 'stop';
      if (v === 'deny') verdict = 'deny';
    }
    return verdict;
  }

  private deviceExit(vm: Vm, code: number | undefined, reason: string): void {
    vm.board.requested = undefined;
    vm.exitStatus = code;
    vm.stop(reason === 'reset' ? 'reset' : 'poweroff', reason === 'reset' ? 'the guest asked for a reset' : `powered off with status ${code ?? '?'}`, vm.vcpu.hart.pc);
  }

  /** World switch: park the resident vCPU's registers and load `vm`'s. */
  private switchTo(vm: Vm): void {
    if (this.resident === vm) return;
    const real = this.host.hart;
    this.resident?.hext?.save(real);
    this.resident?.vcpu.save(real);
    vm.vcpu.load(real);
    vm.hext?.load(real);
    real.clearReservation();
    this.resident = vm;
    this.residentGeneration = -1;
    this.worldSwitches++;
    vm.stats.count('world-switch');
  }

  /** Time-driven devices of the VM's board, and WFI wake-up. */
  private service(vm: Vm): void {
    vm.board.tickDevices();
    if (vm.state === 'waiting' && this.wakeable(vm)) vm.state = 'running';
  }

  private wakeable(vm: Vm): boolean {
    const h = vm.hext;
    if (h === undefined) return hasEnabledPending(vm);
    return h.wakeable(this.host.hart, vm.board.clock.now(), (vm.vcpu.hart.readCsr(CSR_MIP) & MIP_SEIP) !== 0n);
  }

  /** The VM's next timer deadline: CLINT / Sstc of the virtual hart, or its vstimecmp under H. */
  private deadline(vm: Vm): bigint | undefined {
    const h = vm.hext;
    if (h === undefined) return nextDeadline(vm);
    const a = vm.board.clint.nextDeadline();
    const b = h.deadline(this.host.hart);
    return a === undefined ? b : b === undefined ? a : a < b ? a : b;
  }

  /** Guest instructions until the VM's next timer deadline (so interrupts arrive on time). */
  private untilDeadline(vm: Vm): number {
    const d = this.deadline(vm);
    if (d === undefined) return Number.MAX_SAFE_INTEGER;
    const now = vm.board.clock.now();
    if (d <= now) return Number.MAX_SAFE_INTEGER;
    return Math.max(1, Number(d - now) * this.ipt - ((vm.vcpu.hart.retired % this.ipt) | 0));
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
      return live.some((v) => v.state === 'running');
    }
    for (const vm of live) {
      vm.board.clock.skip(best);
      this.service(vm);
    }
    return true;
  }

  /** A one-line status of every VM. */
  describe(): string {
    return this.vms.map((v) => `${v.describe()} [${v.stats.guestInstructions} insns, pc ${hex(v.vcpu.hart.pc)}]`).join('\n');
  }
}

/** WFI wakes on any interrupt pending and enabled in mie, whatever the global enables (priv spec 3.3.3). */
function hasEnabledPending(vm: Vm): boolean {
  const h = vm.vcpu.hart;
  h.updateSstc();
  return (h.readCsr(CSR_MIP) & h.readCsr(CSR_MIE)) !== 0n;
}

/** The VM's next timer deadline in its clock's ticks: CLINT mtimecmp or an armed Sstc stimecmp. */
function nextDeadline(vm: Vm): bigint | undefined {
  let next = vm.board.clint.nextDeadline();
  const h = vm.vcpu.hart;
  if (h.readCsr(CSR_MENVCFG) >> 63n !== 0n && (h.readCsr(CSR_MIE) & (1n << 5n)) !== 0n) {
    const cmp = h.readCsr(CSR_STIMECMP);
    if (cmp !== (1n << 64n) - 1n && (next === undefined || cmp < next)) next = cmp;
  }
  return next;
}
