import {
  ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PRIV_S, accessFaultCause, guestPageFaultCause, type AccessType,
} from './access.js';
import { BUS_FAULT, type SystemBus } from './bus.js';
import type { Pmp } from './pmp.js';
import {
  LEVEL_BITS, PAGE_SHIFT, PTE_A, PTE_D, PTE_NONLEAF_RESERVED, PTE_R, PTE_SIZE, PTE_U, PTE_V, PTE_W, PTE_X,
  pteHasReservedHigh, pteIsLeaf, ptePpn,
} from './pte.js';
import type { MmuStats } from './stats.js';

/**
 * hgatp (priv spec 8.2.10): MODE 63..60, VMID 57..44, PPN 43..0. MODE 0 is Bare,
 * 8 Sv39x4 and 9 Sv48x4; VMIDLEN is 14 here. The root of an "x4" tree is 16 KiB, so PPN[1:0] read
 * as zero.
 */
export const HGATP_MODE_BARE = 0;
export const HGATP_MODE_SV39X4 = 8;
export const HGATP_MODE_SV48X4 = 9;
export const VMID_BITS = 14;
const HGATP_PPN_MASK = ((1n << 44n) - 1n) & ~3n;

/** WARL legalisation of an hgatp write; undefined when MODE is unsupported (the write is ignored). */
export function legalizeHgatp(value: bigint): bigint | undefined {
  const mode = Number(BigInt.asUintN(64, value) >> 60n);
  if (mode !== HGATP_MODE_BARE && mode !== HGATP_MODE_SV39X4 && mode !== HGATP_MODE_SV48X4) return undefined;
  const vmid = (value >> 44n) & ((1n << BigInt(VMID_BITS)) - 1n);
  return (BigInt(mode) << 60n) | (vmid << 44n) | (value & HGATP_PPN_MASK);
}

export const hgatpMode = (hgatp: bigint): number => Number(BigInt.asUintN(64, hgatp) >> 60n);
export const hgatpPpn = (hgatp: bigint): number => Number(hgatp & HGATP_PPN_MASK);

/** Levels of the G-stage tree: Sv39x4 has 3, Sv48x4 4 (priv spec 8.5.1); 0 for Bare. */
export function gstageLevels(mode: number): number {
  return mode === HGATP_MODE_SV39X4 ? 3 : mode === HGATP_MODE_SV48X4 ? 4 : 0;
}

/**
 * Size of the guest physical address space of a G-stage tree: 2^41 for Sv39x4, 2^50 for Sv48x4
 * ("x4": two more address bits than the VS-stage mode, priv spec 8.5.1).
 */
export const gpaLimit = (levels: number): number => 2 ** (levels * LEVEL_BITS + PAGE_SHIFT + 2);

/**
 * The G-stage walk of priv spec 8.5.1: the algorithm of 4.3.2 with the root index widened by two
 * bits (a 16 KiB root of 2048 PTEs), every access checked as a U-mode access (so a leaf must have
 * U=1), and faults reported as guest-page faults of the original access type.
 *
 * `permAccess` is the access the permissions and A/D updates are checked for — for the implicit
 * accesses of a VS-stage walk, a load (or a store for an A/D update) rather than the original
 * access (8.5.1) — and `faultAccess` names the original access for the cause. `execRead` is the
 * HLVX rule (8.3.1): the page must be executable, read permission is not needed. `mxr` is the
 * HS-level MXR, which makes executable pages readable at this stage too (8.2.11, 8.5).
 */
export class GStageWalker {
  cause = 0;
  /** Flags of the leaf after the A/D update (valid after a successful walk). */
  flags = 0;

  constructor(
    private readonly bus: SystemBus,
    private readonly pmp: Pmp,
    private readonly stats: MmuStats,
  ) {}

  /** Walk for `gpa` (an exact integer below gpaLimit(levels)); the host physical address, or -1. */
  walk(
    gpa: number, permAccess: AccessType, faultAccess: AccessType, execRead: boolean, mxr: boolean,
    levels: number, rootPpn: number,
  ): number {
    const bus = this.bus;
    const ram = bus.ram;
    this.stats.walks++;
    let table = rootPpn * 2 ** PAGE_SHIFT;
    for (let i = levels - 1; i >= 0; i--) {
      const shift = 2 ** (PAGE_SHIFT + LEVEL_BITS * i);
      // The root level indexes 11 bits (GPA[40:30] for Sv39x4), the others 9.
      const indexMask = i === levels - 1 ? 2047 : 511;
      const pteAddr = table + (Math.floor(gpa / shift) & indexMask) * PTE_SIZE;
      if (!this.pmp.check(pteAddr, PTE_SIZE, ACCESS_LOAD, PRIV_S)) return this.fail(accessFaultCause(faultAccess));
      let lo: number;
      let hi: number;
      if (pteAddr >= ram.base && pteAddr + PTE_SIZE <= ram.end) {
        const o = pteAddr - ram.base;
        lo = ram.view.getUint32(o, true);
        hi = ram.view.getUint32(o + 4, true);
      } else {
        const pte = bus.read(pteAddr, PTE_SIZE);
        if (pte === BUS_FAULT) return this.fail(accessFaultCause(faultAccess));
        lo = Number(pte & 0xffff_ffffn);
        hi = Number(pte >> 32n);
      }
      this.stats.pteReads++;
      if ((lo & PTE_V) === 0 || (lo & (PTE_R | PTE_W)) === PTE_W || pteHasReservedHigh(hi)) {
        return this.fail(guestPageFaultCause(faultAccess));
      }
      const ppn = ptePpn(lo, hi);
      if (!pteIsLeaf(lo)) {
        if ((lo & PTE_NONLEAF_RESERVED) !== 0) return this.fail(guestPageFaultCause(faultAccess));
        table = ppn * 2 ** PAGE_SHIFT;
        continue;
      }
      // All G-stage accesses are U-mode accesses: the leaf must have U=1 (8.5.1).
      if ((lo & PTE_U) === 0 || !gstageAllows(lo, permAccess, execRead, mxr)) {
        return this.fail(guestPageFaultCause(faultAccess));
      }
      if (i > 0 && ppn % 2 ** (LEVEL_BITS * i) !== 0) return this.fail(guestPageFaultCause(faultAccess));
      let updated = lo | PTE_A;
      if (permAccess === ACCESS_STORE) updated |= PTE_D;
      updated >>>= 0;
      if (updated !== lo) {
        if (!this.pmp.check(pteAddr, PTE_SIZE, ACCESS_STORE, PRIV_S) || !ram.contains(pteAddr, PTE_SIZE)) {
          return this.fail(accessFaultCause(faultAccess));
        }
        bus.write(pteAddr, PTE_SIZE, (BigInt(hi) << 32n) | BigInt(updated));
        this.stats.pteWrites++;
      }
      this.flags = updated & 0xff;
      return ppn * 2 ** PAGE_SHIFT + (gpa - Math.floor(gpa / shift) * shift);
    }
    return this.fail(guestPageFaultCause(faultAccess));
  }

  private fail(cause: number): number {
    this.cause = cause;
    return -1;
  }
}

/** R/W/X check of a G-stage (or, with the same rules, any) leaf, without the U-bit rule. */
export function gstageAllows(flags: number, access: AccessType, execRead: boolean, mxr: boolean): boolean {
  if (access === ACCESS_FETCH || execRead) return (flags & PTE_X) !== 0;
  if (access === ACCESS_LOAD) return (flags & PTE_R) !== 0 || (mxr && (flags & PTE_X) !== 0);
  return (flags & PTE_W) !== 0;
}
