// CONTRACT STUB — to be replaced by the real Sv39/Sv48 + TLB + PMP implementation.
// The public shape (constructor, fields and method signatures) is the contract with @vm/isa.
import type { SystemBus } from './bus.js';
import { ACCESS_FETCH, ACCESS_LOAD, CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, type AccessType } from './access.js';
import { Pmp } from './pmp.js';

export class Mmu {
  readonly pmp = new Pmp();
  /** satp as last written by the hart (already WARL-legalised). */
  satp = 0n;
  /** mstatus.SUM and mstatus.MXR, kept current by the hart. */
  sum = false;
  mxr = false;
  /** Exception cause of the last failed translate(). */
  faultCause = 0;

  constructor(readonly bus: SystemBus) {}

  /**
   * Translate a virtual address for an access of `width` bytes at effective privilege `priv`
   * (0 U, 1 S, 3 M — after MPRV). Returns the physical address, or -1 with `faultCause` set.
   */
  translate(va: bigint, access: AccessType, priv: number, width: number): number {
    void priv;
    void width;
    if (va >= 1n << 56n) {
      this.faultCause = access === ACCESS_FETCH ? CAUSE_FETCH_ACCESS : access === ACCESS_LOAD ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS;
      return -1;
    }
    return Number(va);
  }

  /** sfence.vma rs1, rs2: undefined means "all" for that operand (priv spec 4.2.1). */
  sfence(va: bigint | undefined, asid: bigint | undefined): void {
    void va;
    void asid;
  }

  flushAll(): void {}
}
