import type { VmExit } from '@vm/core';
import type { Hart } from '@vm/isa';
import { MSTATUS_FS, MSTATUS_FS_SHIFT, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM, PRIV_M, PRIV_U } from '@vm/isa';
import { SATP_MODE_BARE } from '@vm/mmu';

/**
 * A virtual CPU: the guest's architectural state.
 *
 * The privileged state lives in a *virtual hart* — a `Hart` of the VM's board that is never run
 * freely: its CSR file, WARL rules, `takeTrap` (delegation, xepc/xcause/xtval, vectored xtvec) and
 * `pendingInterrupt` are the guest's, exactly as the privileged spec defines them. Its pc and
 * privilege are the guest's virtual pc and privilege. The unprivileged state (x, f, fcsr) lives in
 * the real hart while the vCPU is resident and is parked in the virtual hart otherwise.
 */
export class VirtualHart {
  /** viewKey's inputs and result the last time (it is asked at every resume of the vCPU). */
  private keySatp = -1n;
  private keyPriv = -1;
  private keyStatus = -1;
  private key = '';

  constructor(readonly hart: Hart) {}

  /** The guest's virtual privilege (0 U, 1 S, 3 M). */
  get vpriv(): number {
    return this.hart.priv;
  }

  /** Effective privilege of the guest's data accesses: MPRV applies MPP in M-mode (priv spec 3.1.6.3). */
  get dataPriv(): number {
    const h = this.hart;
    if (h.priv === PRIV_M && h.mstatus & MSTATUS_MPRV) return (h.mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    return h.priv;
  }

  /** True when M-mode loads and stores are translated as another privilege (MPRV=1, MPP≠M). */
  get mprvActive(): boolean {
    return this.hart.priv === PRIV_M && this.dataPriv !== PRIV_M;
  }

  /** mstatus.FS of the guest: the real hart runs with the same, so FP traps when the guest's is Off. */
  get fs(): number {
    return (this.hart.mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT;
  }

  /**
   * The shadow view the guest needs now. Translation applies in S and U when satp.MODE ≠ Bare
   * (priv spec 4.1.11); what a leaf allows depends on the privilege, SUM (S only) and MXR (4.3.1).
   */
  viewKey(): string {
    const h = this.hart;
    const p = h.priv;
    const status = h.mstatus & (MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPRV | MSTATUS_MPP);
    if (p === this.keyPriv && h.satp === this.keySatp && status === this.keyStatus) return this.key;
    this.keyPriv = p;
    this.keySatp = h.satp;
    this.keyStatus = status;
    this.key = this.computeViewKey();
    return this.key;
  }

  private computeViewKey(): string {
    const h = this.hart;
    const p = h.priv;
    if (p === PRIV_M) return this.mprvActive ? 'M+mprv' : 'M';
    if (h.satp >> 60n === BigInt(SATP_MODE_BARE)) return `bare/${p}`;
    const sum = p === PRIV_U ? 0 : (h.mstatus & MSTATUS_SUM) !== 0 ? 1 : 0;
    const mxr = (h.mstatus & MSTATUS_MXR) !== 0 ? 1 : 0;
    return `${h.satp.toString(16)}/${p}/${sum}/${mxr}`;
  }

  /** Park the guest's registers (world switch out of this vCPU). */
  save(real: Hart): void {
    this.hart.setRegisters(real.x, real.f, real.fp.fflags, real.fp.frm);
  }

  /** Load the guest's registers into the real hart (world switch into this vCPU; also after a step). */
  load(real: Hart): void {
    const v = this.hart;
    real.setRegisters(v.x, v.f, v.fp.fflags, v.fp.frm);
  }

  /**
   * Deliver an exception to the guest at `epc` through its own trap machinery (delegation to vS
   * by medeleg, else vM; priv spec 3.1.8, 3.1.15-3.1.17).
   */
  inject(cause: number, tval: bigint, epc: bigint): void {
    this.hart.setPc(epc);
    this.hart.takeTrap(cause, tval, false);
  }

  /** Deliver the highest-priority pending enabled interrupt, if any (priv spec 3.1.9). */
  injectInterrupt(): number {
    const h = this.hart;
    h.updateSstc();
    const irq = h.pendingInterrupt();
    if (irq >= 0) h.takeTrap(irq, 0n, true);
    return irq;
  }

  /**
   * Execute the one guest instruction at `epc` on the virtual hart: against the VM's bus, through
   * the guest's own translation and PMP, at its virtual privilege — the emulation of a trapped
   * CSR access, xRET, WFI, SFENCE.VMA or MMIO load/store is the hart's definition of it, and a
   * fault it raises is taken by the guest's handlers. The caller has delivered pending interrupts
   * first, so the step executes exactly one instruction (or takes exactly one exception).
   * Returns the virtual hart's exit ('wfi' when it now waits) and whether the instruction retired.
   */
  step(real: Hart, epc: bigint): { exit: VmExit; retired: boolean } {
    const v = this.hart;
    // On the registers the real hart holds for the guest: nothing to copy in or out.
    v.borrowRegisters(real);
    try {
      v.setPc(epc);
      const before = v.retired;
      const exit = v.run(1);
      return { exit, retired: v.retired !== before };
    } finally {
      v.borrowRegisters(undefined);
    }
  }
}
