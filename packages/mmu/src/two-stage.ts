import {
  ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PA_LIMIT, PRIV_S, PRIV_U, accessFaultCause, guestPageFaultCause,
  pageFaultCause, type AccessType,
} from './access.js';
import { BUS_FAULT, type SystemBus } from './bus.js';
import { GStageWalker, gpaLimit } from './gstage.js';
import type { Pmp } from './pmp.js';
import {
  LEVEL_BITS, PAGE_SHIFT, PTE_A, PTE_D, PTE_NONLEAF_RESERVED, PTE_R, PTE_SIZE, PTE_U, PTE_V, PTE_W, PTE_X,
  pteHasReservedHigh, pteIsLeaf, ptePpn,
} from './pte.js';
import type { MmuStats } from './stats.js';

/** The G-stage configuration a two-stage walk runs under (from hgatp and the HS-level MXR). */
export interface GStageConfig {
  /** 0 for Bare (GPA = host physical address), else 3 (Sv39x4) or 4 (Sv48x4). */
  levels: number;
  rootPpn: number;
  mxr: boolean;
}

/**
 * Translation of guest addresses while V=1 (priv spec 8.5): the VS-stage walk (vsatp, the algorithm
 * of 4.3.2) whose every page-table access is itself a guest physical address translated by the
 * G-stage (hgatp). `walkVs` gives the guest physical address, `gstage` the host physical address of
 * a guest physical address. Failures leave `cause` and, for guest-page faults, `faultGpa` (the
 * guest physical address that could not be translated — of the PTE for an implicit access, 8.6.3).
 */
export class TwoStageWalker {
  cause = 0;
  faultGpa = 0n;
  /** VS-stage leaf flags after the A/D update (valid after a successful walkVs). */
  flags = 0;
  /** G-stage leaf flags of the last successful gstage() (0x1ff for Bare, i.e. no restriction). */
  gFlags = 0;
  private readonly g: GStageWalker;

  constructor(
    private readonly bus: SystemBus,
    private readonly pmp: Pmp,
    private readonly stats: MmuStats,
  ) {
    this.g = new GStageWalker(bus, pmp, stats);
  }

  /**
   * G-stage translation of `gpa` (< 2^53; callers check wider values against gpaLimit first).
   * Returns the host physical address or -1.
   */
  gstage(gpa: number, permAccess: AccessType, faultAccess: AccessType, execRead: boolean, cfg: GStageConfig): number {
    if (cfg.levels === 0) {
      this.gFlags = 0x1ff;
      if (gpa >= PA_LIMIT) return this.fail(accessFaultCause(faultAccess));
      return gpa;
    }
    if (gpa >= gpaLimit(cfg.levels)) {
      this.faultGpa = BigInt(gpa);
      return this.fail(guestPageFaultCause(faultAccess));
    }
    const pa = this.g.walk(gpa, permAccess, faultAccess, execRead, cfg.mxr, cfg.levels, cfg.rootPpn);
    if (pa < 0) {
      this.faultGpa = BigInt(gpa);
      return this.fail(this.g.cause);
    }
    this.gFlags = this.g.flags;
    return pa;
  }

  /**
   * VS-stage walk for `va` (exact integer, negative in the upper half, already canonical for
   * `levels`), at VS/VU privilege `priv` with vsstatus.SUM `sum` and the effective MXR `mxr`
   * (vsstatus.MXR or the HS-level MXR, 8.2.11). `execRead` is HLVX (8.3.1). Returns the guest
   * physical address, or -1.
   */
  walkVs(
    va: number, access: AccessType, priv: number, sum: boolean, mxr: boolean, execRead: boolean,
    levels: number, rootPpn: number, cfg: GStageConfig,
  ): number {
    const bus = this.bus;
    const ram = bus.ram;
    this.stats.walks++;
    let table = rootPpn * 2 ** PAGE_SHIFT;
    for (let i = levels - 1; i >= 0; i--) {
      const shift = 2 ** (PAGE_SHIFT + LEVEL_BITS * i);
      const pteGpa = table + (Math.floor(va / shift) & 511) * PTE_SIZE;
      // The PTE's guest physical address goes through the G-stage as an implicit load (8.5.1).
      const pteAddr = this.gstage(pteGpa, ACCESS_LOAD, access, false, cfg);
      if (pteAddr < 0) return -1;
      if (!this.pmp.check(pteAddr, PTE_SIZE, ACCESS_LOAD, PRIV_S)) return this.fail(accessFaultCause(access));
      let lo: number;
      let hi: number;
      if (pteAddr >= ram.base && pteAddr + PTE_SIZE <= ram.end) {
        const o = pteAddr - ram.base;
        lo = ram.view.getUint32(o, true);
        hi = ram.view.getUint32(o + 4, true);
      } else {
        const pte = bus.read(pteAddr, PTE_SIZE);
        if (pte === BUS_FAULT) return this.fail(accessFaultCause(access));
        lo = Number(pte & 0xffff_ffffn);
        hi = Number(pte >> 32n);
      }
      this.stats.pteReads++;
      if ((lo & PTE_V) === 0 || (lo & (PTE_R | PTE_W)) === PTE_W || pteHasReservedHigh(hi)) {
        return this.fail(pageFaultCause(access));
      }
      const ppn = ptePpn(lo, hi);
      if (!pteIsLeaf(lo)) {
        if ((lo & PTE_NONLEAF_RESERVED) !== 0) return this.fail(pageFaultCause(access));
        table = ppn * 2 ** PAGE_SHIFT;
        continue;
      }
      if (!vsLeafAllows(lo, access, priv, sum, mxr, execRead)) return this.fail(pageFaultCause(access));
      if (i > 0 && ppn % 2 ** (LEVEL_BITS * i) !== 0) return this.fail(pageFaultCause(access));
      let updated = lo | PTE_A;
      if (access === ACCESS_STORE) updated |= PTE_D;
      updated >>>= 0;
      if (updated !== lo) {
        // The A/D update is an implicit store for the G-stage (8.5.1).
        const storeAddr = this.gstage(pteGpa, ACCESS_STORE, access, false, cfg);
        if (storeAddr < 0) return -1;
        if (!this.pmp.check(storeAddr, PTE_SIZE, ACCESS_STORE, PRIV_S) || !ram.contains(storeAddr, PTE_SIZE)) {
          return this.fail(accessFaultCause(access));
        }
        bus.write(storeAddr, PTE_SIZE, (BigInt(hi) << 32n) | BigInt(updated));
        this.stats.pteWrites++;
      }
      this.flags = updated & 0xff;
      const offset = va - Math.floor(va / shift) * shift;
      const gpa = ppn * 2 ** PAGE_SHIFT + offset;
      // A GPA wider than the G-stage accepts is a guest-page fault (8.5.1); computed exactly.
      if (cfg.levels !== 0 && gpa >= gpaLimit(cfg.levels)) {
        this.faultGpa = (BigInt(ppn) << BigInt(PAGE_SHIFT)) + BigInt(offset);
        return this.fail(guestPageFaultCause(access));
      }
      return gpa;
    }
    return this.fail(pageFaultCause(access));
  }

  private fail(cause: number): number {
    this.cause = cause;
    return -1;
  }
}

/**
 * VS-stage leaf check (4.3.2 step 5 with vsstatus.SUM/MXR, 8.2.11): as for S/U, except that HLVX
 * requires execute permission instead of read permission (8.3.1).
 */
export function vsLeafAllows(
  flags: number, access: AccessType, priv: number, sum: boolean, mxr: boolean, execRead: boolean,
): boolean {
  const user = (flags & PTE_U) !== 0;
  if (priv === PRIV_U) {
    if (!user) return false;
  } else if (user && (access === ACCESS_FETCH || !sum)) {
    return false;
  }
  if (access === ACCESS_FETCH || execRead) return (flags & PTE_X) !== 0;
  if (access === ACCESS_LOAD) return (flags & PTE_R) !== 0 || (mxr && (flags & PTE_X) !== 0);
  return (flags & PTE_W) !== 0;
}
