import { ConfigError } from '@vm/core';
import {
  CAUSE_FETCH_ACCESS, CAUSE_FETCH_GUEST_PAGE_FAULT, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS,
  CAUSE_STORE_GUEST_PAGE_FAULT, CSR_HTIMEDELTA, CSR_HVIP, CSR_MIP, CSR_VSTIMECMP, FS_DIRTY, MIP_SEIP, MIP_VSEIP, MIP_VSSIP,
  MSTATUS_FS, MSTATUS_SIE, CSR_VSATP, CSR_VSSTATUS, PRIV_S,
} from '@vm/isa';

// sstatus is a view of mstatus (priv spec 4.1.1): SIE is the same bit.
const SSTATUS_SIE = BigInt(MSTATUS_SIE);
import { HextContext } from './hext-context.js';
import { HextEmulator } from './hext-emulator.js';
import type { Vcpu, VcpuHost, VmOps } from './vcpu.js';
import { VcpuBase, type TrapOutcome } from './vcpu-base.js';
import type { VcpuSbiHooks } from './vm-sbi-platform.js';
import type { Vm } from './vm.js';

export interface HextVcpuOptions {
  /** hgatp of the VM's G-stage table (mode, VMID, root), built by the hypervisor. */
  readonly hgatp: bigint;
  /** Exits in a row without one guest instruction retired before the VM is stopped (default 10 000). */
  readonly trapStormLimit?: number;
  /** Which vCPU of the VM (its hart id; default 0). */
  readonly index?: number;
}

/**
 * A hardware-assisted vCPU (priv spec 8): the guest runs on the real hart in VS/VU under the VM's
 * G-stage, its own traps and interrupts delegated to it. Only what the hardware cannot finish
 * comes back from the real hart: SBI calls (ECALL from VS), guest-page faults (device accesses),
 * virtual instructions (WFI), the preemption timer. `HextContext` holds the guest's H state
 * between world switches; `HextEmulator` handles the exits.
 */
export class HextVcpu extends VcpuBase implements Vcpu {
  readonly mode = 'hext';
  readonly context: HextContext;
  private readonly emulator: HextEmulator;

  constructor(vm: Vm, host: VcpuHost, ops: VmOps, options: HextVcpuOptions) {
    super(vm, host, ops, options.trapStormLimit, options.index);
    if (!host.hart.hExtension) throw new ConfigError(`${vm.name}: mode 'hext' needs a host hart with the H extension`);
    if (vm.sbiMode !== 'hypervisor') throw new ConfigError(`${vm.name}: mode 'hext' runs S-mode guests on the hypervisor's SBI only`);
    this.context = new HextContext(vm, options.hgatp, this.vhart);
    vm.hexts[this.index] = this.context;
    this.emulator = new HextEmulator(host.hart, host.ram);
    this.joinSbi(this.sbiHooks());
  }

  get resident(): boolean {
    return this.context.resident;
  }

  load(): void {
    const real = this.host.hart;
    this.vm.select(this.index);
    this.vhart.load(real);
    this.context.load(real);
    real.clearReservation();
    // The vCPUs of a VM share its VMID: the VS-stage translations of the one before are not this one's.
    real.mmu.flushAll();
    real.translationChanged();
  }

  save(): void {
    const real = this.host.hart;
    this.context.save(real);
    this.vhart.save(real);
  }

  wakeable(): boolean {
    return this.context.wakeable(this.host.hart, this.vm.board.clock.now(), this.plicSeip());
  }

  /** The earlier of the VM's CLINT deadline and its vstimecmp. */
  deadline(): bigint | undefined {
    const a = this.vm.board.clint.nextDeadline();
    const b = this.context.deadline(this.host.hart);
    return a === undefined ? b : b === undefined ? a : a < b ? a : b;
  }

  private plicSeip(): boolean {
    return (this.vhart.hart.readCsr(CSR_MIP) & MIP_SEIP) !== 0n;
  }

  /**
   * Resume the guest. Its VS interrupts are the hardware's business; the vCPU only mirrors the
   * VM's PLIC supervisor line into hvip.VSEIP (priv spec 8.2.3) and keeps the guest's time base:
   * htimedelta = VM time − host time, so `time` in VS and vstimecmp are the VM's virtual time
   * (8.2.6, Sstc 2.3).
   */
  protected enter(): undefined {
    const real = this.host.hart;
    const hvip = real.readCsr(CSR_HVIP);
    real.writeCsr(CSR_HVIP, this.plicSeip() ? hvip | MIP_VSEIP : hvip & ~MIP_VSEIP);
    const hostNow = this.ops.hostTime?.() ?? 0n;
    real.writeCsr(CSR_HTIMEDELTA, BigInt.asUintN(64, this.vm.board.clock.now() - hostNow));
    real.updateSstc();
    real.setMstatus((real.mstatus & ~MSTATUS_FS) | (FS_DIRTY << 13));
    this.context.resume(real);
    return undefined;
  }

  protected get guestPriv(): number {
    return this.context.priv;
  }

  protected ran(): void {}

  /** After a budget exit the hart is still in the guest: note where, and return to M. */
  protected suspended(): void {
    this.context.suspend(this.host.hart);
  }

  protected exited(epc: bigint): void {
    this.context.exited(this.host.hart, epc);
  }

  /** Handle one exit of the guest: whether it retired a guest instruction, and an exit for the VMM. */
  protected handleTrap(cause: number, tval: bigint, epc: bigint): TrapOutcome {
    const vm = this.vm;
    const real = this.host.hart;
    const h = this.context;
    const reason = this.emulator.classify(cause, tval);
    if (reason === 'sbi') return { retired: true, exit: this.sbiCall(tval, epc, true) };
    const verdict = this.record({ reason, cause: BigInt(cause), tval, epc, vpriv: h.priv, at: vm.stats.guestInstructions });
    if (verdict === 'stop') return { retired: false, exit: this.stopped('hook', `stopped by an exit hook at a ${reason} exit`, epc) };
    if (verdict === 'deny') {
      h.inject(real, reason === 'mmio' ? (cause === CAUSE_STORE_GUEST_PAGE_FAULT ? CAUSE_STORE_ACCESS : cause === CAUSE_FETCH_GUEST_PAGE_FAULT ? CAUSE_FETCH_ACCESS : CAUSE_LOAD_ACCESS) : CAUSE_ILLEGAL_INSTRUCTION, tval, epc);
      vm.stats.count('inject.exception');
      return { retired: false, injected: true };
    }
    const retired = this.emulator.apply(vm, h, reason, cause, tval, epc);
    if (retired) vm.stats.emulated++;
    this.vhart.hart.setPc(h.pc);
    if (vm.state === 'waiting') return { retired, exit: { kind: 'wfi' } };
    if (reason === 'mmio' && retired) return { retired, exit: { kind: 'mmio', gpa: this.emulator.faultGpa(tval), write: cause === CAUSE_STORE_GUEST_PAGE_FAULT } };
    return { retired };
  }

  /**
   * The SBI's hart-level effects under H: this vCPU's vstimecmp (Sstc), hvip.VSSIP (latched until
   * the guest clears sip.SSIP, its alias: priv spec 8.2.3), the real hart's TLB.
   */
  private sbiHooks(): VcpuSbiHooks {
    const real = this.host.hart;
    const ctx = this.context;
    return {
      start: (addr, opaque) => {
        // SBI 9.1: S-mode (VS here) at addr, satp (vsatp) = 0, sstatus.SIE (vsstatus.SIE) = 0.
        ctx.setCsr(real, CSR_VSATP, 0n);
        ctx.setCsr(real, CSR_VSSTATUS, ctx.csr(real, CSR_VSSTATUS) & ~SSTATUS_SIE);
        ctx.pc = addr;
        ctx.priv = PRIV_S;
        this.vhart.hart.setPc(addr);
        this.writeRegister(10, BigInt(this.index));
        this.writeRegister(11, opaque);
      },
      wakeable: () => this.wakeable(),
      satp: () => ctx.csr(real, CSR_VSATP),
      setTimer: (stime) => {
        this.context.setCsr(real, CSR_VSTIMECMP, stime);
        if (this.context.resident) real.updateSstc();
      },
      setSoftwareInterrupt: (p) => {
        const v = this.context.csr(real, CSR_HVIP);
        this.context.setCsr(real, CSR_HVIP, p ? v | MIP_VSSIP : v & ~MIP_VSSIP);
      },
      // The real hart's TLB holds the VM's translations of every vCPU (one VMID): flush it. A vCPU
      // not resident is flushed again when it is loaded (load()).
      fence: () => {
        real.mmu.flushAll();
        real.translationChanged();
      },
    };
  }
}
