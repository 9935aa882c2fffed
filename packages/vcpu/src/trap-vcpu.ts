import { hex } from '@vm/core';
import {
  CAUSE_ILLEGAL_INSTRUCTION, CSR_MCAUSE, CSR_SATP, CSR_MENVCFG, CSR_MIE, CSR_MIP, CSR_STIMECMP, FS_DIRTY, MIP_SSIP, MIP_STIP, MSTATUS_FS,
  PRIV_M, PRIV_S, PRIV_U,
} from '@vm/isa';
import type { FenceRequest } from '@vm/paravirt';
import { startPayloadHart } from './s-payload-boot.js';
import type { GuestExit } from './exit-reason.js';
import { ShadowPvMmu } from './shadow-pv-mmu.js';
import { TrapEmulator } from './trap-emulator.js';
import type { Vcpu, VcpuExit, VcpuHost, VmOps } from './vcpu.js';
import { VcpuBase, type TrapOutcome } from './vcpu-base.js';
import type { VcpuSbiHooks } from './vm-sbi-platform.js';
import type { Vm } from './vm.js';

const SFENCE_VMA_MASK = 0xfe00_7fff;
const SFENCE_VMA = 0x1200_0073;

export interface TrapVcpuOptions {
  /** Offer the paravirtual-MMU hypercalls when the hypervisor is the guest's SBI (default true). */
  readonly pvMmu?: boolean;
  /** Exits in a row without one guest instruction retired before the VM is stopped (default 10 000). */
  readonly trapStormLimit?: number;
  /** Which vCPU of the VM (its hart id; default 0). */
  readonly index?: number;
}

/**
 * Trap-and-emulate (Popek & Goldberg) with shadow page tables: every guest privilege level runs in
 * real U-mode on the shadow tables of its current view, so each sensitive instruction, hidden page
 * fault and device access traps to the host's M-mode, i.e. returns from the real hart's `run()`.
 * `TrapEmulator` says what each trap is in the guest's terms; this loop does it: fill the shadow,
 * inject the guest's own fault, or re-execute the instruction on the virtual hart.
 */
export class TrapVcpu extends VcpuBase implements Vcpu {
  readonly mode = 'trap';
  resident = false;
  private readonly emulator: TrapEmulator;
  /** The shadow generation the real TLB holds translations of; -1 after a world switch. */
  private generation = -1;

  constructor(vm: Vm, host: VcpuHost, ops: VmOps = {}, options: TrapVcpuOptions = {}) {
    super(vm, host, ops, options.trapStormLimit, options.index);
    this.emulator = new TrapEmulator(host.hart);
    if (vm.sbiMode === 'hypervisor') this.joinSbi(this.sbiHooks(), options.pvMmu === false ? undefined : new ShadowPvMmu(vm, host.hart));
  }

  load(): void {
    const real = this.host.hart;
    this.vm.select(this.index);
    this.vhart.load(real);
    real.clearReservation();
    this.generation = -1;
    this.resident = true;
  }

  save(): void {
    this.vhart.save(this.host.hart);
    this.resident = false;
  }

  /** WFI wakes on any interrupt pending and enabled in mie, whatever the global enables (priv spec 3.3.3). */
  wakeable(): boolean {
    const h = this.vhart.hart;
    h.updateSstc();
    return (h.readCsr(CSR_MIP) & h.readCsr(CSR_MIE)) !== 0n;
  }

  /** The VM's next timer deadline: CLINT mtimecmp or an armed Sstc stimecmp (menvcfg.STCE, mie.STIE). */
  deadline(): bigint | undefined {
    let next = this.vm.board.clint.nextDeadline();
    const h = this.vhart.hart;
    if (h.readCsr(CSR_MENVCFG) >> 63n !== 0n && (h.readCsr(CSR_MIE) & MIP_STIP) !== 0n) {
      const cmp = h.readCsr(CSR_STIMECMP);
      if (cmp !== (1n << 64n) - 1n && (next === undefined || cmp < next)) next = cmp;
    }
    return next;
  }

  /** Prepare the real hart to resume the guest; an exit when the VM cannot continue. */
  protected enter(): VcpuExit | undefined {
    const vm = this.vm;
    const real = this.host.hart;
    const vhart = this.vhart;
    if (real.virt) real.enter(real.priv, real.pc, false);
    // Interrupts are taken at instruction boundaries by the guest's own rules (priv spec 3.1.9).
    if (vhart.injectInterrupt() >= 0) vm.stats.count('exit.interrupt');
    if (vm.sbiMode === 'hypervisor' && vhart.vpriv === PRIV_M) {
      // No firmware in the VM: a trap the guest did not delegate has nowhere to go.
      return this.stopped('guest-error', `trap into virtual M-mode with no firmware (mcause ${hex(vhart.hart.readCsr(CSR_MCAUSE))})`, vhart.hart.pc);
    }
    const shadow = vm.shadow;
    const satp = shadow.satpFor(vhart.viewKey());
    if (shadow.generation !== this.generation) {
      real.mmu.flushAll();
      this.generation = shadow.generation;
    }
    if (real.satp !== satp) {
      // Shadow roots are distinct pages and TLB entries are tagged by root: no flush needed.
      real.setSatp(satp);
    }
    real.setMstatus((real.mstatus & ~MSTATUS_FS) | (vhart.fs << 13));
    real.enter(PRIV_U, vhart.hart.pc, false);
    return undefined;
  }

  protected get guestPriv(): number {
    return this.vhart.vpriv;
  }

  /** The guest may have dirtied FP state on the real hart: its own mstatus.FS follows (priv spec 3.1.6.6). */
  protected ran(): void {
    const vhart = this.vhart;
    if ((this.host.hart.mstatus & MSTATUS_FS) >> 13 === FS_DIRTY && vhart.fs !== 0) vhart.hart.markFpDirty();
  }

  protected suspended(): void {
    this.vhart.hart.setPc(this.host.hart.pc);
  }

  protected exited(epc: bigint): void {
    this.vhart.hart.setPc(epc);
  }

  /** Handle one trap of the guest: whether it retired a guest instruction, and an exit for the VMM. */
  protected handleTrap(cause: number, tval: bigint, epc: bigint): TrapOutcome {
    const vm = this.vm;
    const vhart = this.vhart;
    const c = this.emulator.classify(vm, cause, tval);
    if (c.reason === 'ecall' && vm.sbi !== undefined && vhart.vpriv === PRIV_S) return { retired: true, exit: this.sbiCall(tval, epc, false) };
    const exit: GuestExit = { reason: c.reason, cause: BigInt(cause), tval, epc, vpriv: vhart.vpriv, at: vm.stats.guestInstructions };
    const verdict = this.record(exit);
    if (verdict === 'stop') return { retired: false, exit: this.stopped('hook', `stopped by an exit hook at a ${c.reason} exit`, epc) };
    if (verdict === 'deny' && c.action !== 'fill') {
      const denied = c.reason === 'mmio' ? TrapEmulator.accessFault(c.access) : CAUSE_ILLEGAL_INSTRUCTION;
      vhart.inject(denied, c.reason === 'mmio' ? tval : cause === CAUSE_ILLEGAL_INSTRUCTION ? tval : 0n, epc);
      vm.stats.count('inject.exception');
      return { retired: false, injected: true };
    }
    switch (c.action) {
      case 'fill':
        this.emulator.fill(vm, tval, c.access!, c.gpa!);
        return { retired: false };
      case 'inject': {
        const inj = TrapEmulator.injection(vm, cause, tval, epc, c);
        vhart.inject(inj.cause, inj.tval, epc);
        if (c.reason !== 'ecall') vm.stats.count('inject.exception');
        return { retired: false, injected: true };
      }
      default: {
        const retired = this.emulate(c.reason, tval, epc);
        if (vm.state === 'waiting') return { retired, exit: { kind: 'wfi' } };
        if (c.reason === 'mmio' && retired) return { retired, exit: { kind: 'mmio', gpa: c.gpa ?? -1, write: c.access === 2 } };
        // Not retired on the virtual hart: it took the instruction's trap into the guest.
        return { retired, injected: !retired && vm.state !== 'stopped' };
      }
    }
  }

  /** Re-execute the trapped instruction on the virtual hart, then apply its side effects. */
  private emulate(reason: string, tval: bigint, epc: bigint): boolean {
    const vm = this.vm;
    const real = this.host.hart;
    const insn = Number(tval & 0xffff_ffffn);
    const sfence = reason === 'privileged' && (insn & SFENCE_VMA_MASK) === SFENCE_VMA;
    const rs1 = (insn >> 15) & 31;
    const va = sfence && rs1 !== 0 ? real.x[rs1]! : undefined;
    const { exit, retired } = this.vhart.step(real, epc);
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

  /**
   * The SBI's hart-level effects in trap mode: on this vCPU's virtual hart (Sstc stimecmp,
   * mip.SSIP — latched there until the guest clears sip.SSIP, priv spec 3.1.9) and the shadows.
   */
  private sbiHooks(): VcpuSbiHooks {
    const v = this.vhart.hart;
    return {
      setTimer: (stime) => v.writeCsr(CSR_STIMECMP, stime),
      // As CSRRS/CSRRC (Hart.setCsrBits): writing back what readCsr(mip) returned would latch a
      // momentary PLIC SEIP into mip's software bit for good (priv spec 3.1.9), and the vCPU would
      // take SEIP forever (claim returns 0) and never progress.
      setSoftwareInterrupt: (p) => v.setCsrBits(CSR_MIP, MIP_SSIP, p),
      fence: (r: FenceRequest) => this.fenceShadows(r),
      start: (addr, opaque) => {
        startPayloadHart(v, addr);
        this.writeRegister(10, BigInt(this.index));
        this.writeRegister(11, opaque);
      },
      wakeable: () => this.wakeable(),
      satp: () => v.readCsr(CSR_SATP),
    };
  }

  /**
   * RFENCE to this vCPU (from itself or another): the shadows follow (the whole range, or page by
   * page when small). The VM's shadow tables are shared by its vCPUs, so dropping entries here
   * shoots them down for every vCPU; this vCPU's own cached translations (its virtual hart's TLB,
   * the real TLB when resident) go too. A vCPU not resident flushes the real TLB when it is next
   * loaded, and entering after a shadow flush (a new generation) does too.
   */
  private fenceShadows(r: FenceRequest): void {
    if (r.kind === 'fence.i') return;
    const vm = this.vm;
    const all = r.size === 0n || r.size === (1n << 64n) - 1n || r.size > 64n * 4096n;
    if (all) vm.shadow.flush();
    else for (let va = r.start & ~0xfffn; va < r.start + r.size; va += 4096n) vm.shadow.unmap(va);
    vm.stats.count('shadow.flush');
    const v = this.vhart.hart;
    v.mmu.flushAll();
    v.translationChanged();
    if (this.resident) {
      this.host.hart.mmu.flushAll();
      this.host.hart.translationChanged();
    }
  }
}
