import { ACCESS_LOAD, ACCESS_STORE, PRIV_S, accessFaultCause, pageFaultCause, type AccessType } from './access.js';
import { BUS_FAULT, type SystemBus } from './bus.js';
import { leafAllows } from './permissions.js';
import type { Pmp } from './pmp.js';
import {
  LEVEL_BITS,
  PAGE_SHIFT,
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_NONLEAF_RESERVED,
  PTE_R,
  PTE_SIZE,
  PTE_V,
  PTE_W,
  pteHasReservedHigh,
  pteIsLeaf,
  ptePpn,
} from './pte.js';
import type { MmuStats } from './stats.js';

/**
 * The page-table walk of priv spec 4.3.2, for Sv39 and Sv48 (4.4, 4.5), with hardware A/D updates.
 *
 * `walk` returns the physical address or -1 with `cause` set; on success the leaf is described by
 * `flags` (after the A/D update), `level` (0 for a 4 KiB page) and `global`, which the MMU puts in
 * its TLB. Results are left in fields so that a walk allocates nothing.
 */
export class PageTableWalker {
  cause = 0;
  flags = 0;
  level = 0;
  global = false;

  constructor(
    private readonly bus: SystemBus,
    private readonly pmp: Pmp,
    private readonly stats: MmuStats,
  ) {}

  /**
   * Walk for virtual address `va` (an exact integer, negative for the upper half, already checked
   * canonical) starting at root page `rootPpn` of a `levels`-level tree.
   */
  walk(va: number, access: AccessType, priv: number, sum: boolean, mxr: boolean, levels: number, rootPpn: number): number {
    const bus = this.bus;
    const ram = bus.ram;
    this.stats.walks++;
    let table = rootPpn * 2 ** PAGE_SHIFT;
    let global = false;
    for (let i = levels - 1; i >= 0; i--) {
      const shift = 2 ** (PAGE_SHIFT + LEVEL_BITS * i);
      const pteAddr = table + (Math.floor(va / shift) & 511) * PTE_SIZE;
      // Step 2: the PTE read is an S-mode access for PMP (priv spec 3.7.1); failures of PMP or of
      // the memory itself are access faults of the original access type.
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

      // Step 3: invalid, the reserved W-without-R encoding, or reserved bits 63..54 set.
      if ((lo & PTE_V) === 0 || (lo & (PTE_R | PTE_W)) === PTE_W || pteHasReservedHigh(hi)) {
        return this.fail(pageFaultCause(access));
      }
      const ppn = ptePpn(lo, hi);

      if (!pteIsLeaf(lo)) {
        // Step 4: pointer to the next level. D/A/U are reserved in non-leaf PTEs (4.3.1); G on a
        // pointer makes every mapping below it global.
        if ((lo & PTE_NONLEAF_RESERVED) !== 0) return this.fail(pageFaultCause(access));
        if ((lo & PTE_G) !== 0) global = true;
        table = ppn * 2 ** PAGE_SHIFT;
        continue;
      }

      // Step 5: leaf permissions for this privilege, SUM and MXR.
      if (!leafAllows(lo, access, priv, sum, mxr)) return this.fail(pageFaultCause(access));
      // Step 6: a superpage's PPN must be aligned to its size.
      if (i > 0 && ppn % 2 ** (LEVEL_BITS * i) !== 0) return this.fail(pageFaultCause(access));

      // Step 7: set A, and D for stores, in memory. The update is a store for PMP, and it needs
      // real RAM: a PTE in a device or ROM cannot be updated, which we report as an access fault.
      let updated = lo | PTE_A;
      if (access === ACCESS_STORE) updated |= PTE_D;
      updated >>>= 0;
      if (updated !== lo) {
        if (!this.pmp.check(pteAddr, PTE_SIZE, ACCESS_STORE, PRIV_S) || !ram.contains(pteAddr, PTE_SIZE)) {
          return this.fail(accessFaultCause(access));
        }
        // Single-threaded: the read-modify-write cannot race; the bus notifies RAM-write observers.
        bus.write(pteAddr, PTE_SIZE, (BigInt(hi) << 32n) | BigInt(updated));
        this.stats.pteWrites++;
      }

      // Step 8: pa = PPN of the leaf, with the untranslated VPN bits of a superpage and the offset.
      this.flags = updated & 0xff;
      this.level = i;
      this.global = global || (lo & PTE_G) !== 0;
      return ppn * 2 ** PAGE_SHIFT + (va - Math.floor(va / shift) * shift);
    }
    // Step 4 with i < 0: a pointer at level 0.
    return this.fail(pageFaultCause(access));
  }

  private fail(cause: number): number {
    this.cause = cause;
    return -1;
  }
}
