import {
  ACCESS_LOAD, ACCESS_STORE, PRIV_S, PRIV_U, accessFaultCause, guestPageFaultCause, pageFaultCause, type AccessType,
} from './access.js';
import { BUS_FAULT, type SystemBus } from './bus.js';
import { leafAllows } from './permissions.js';
import type { Pmp } from './pmp.js';
import {
  LEVEL_BITS, PAGE_SHIFT, PTE_A, PTE_D, PTE_G, PTE_NONLEAF_RESERVED, PTE_R, PTE_SIZE, PTE_V, PTE_W,
  pteHasReservedHigh, pteIsLeaf, ptePpn,
} from './pte.js';
import { MmuStats } from './stats.js';

/**
 * One translation stage, as the walk needs to know it (Spike's `vm_info`): the shape of the tree
 * and the rules that differ between the single-stage modes (Sv39, Sv48; priv spec 4.4, 4.5), the
 * G-stage (Sv39x4, Sv48x4; 8.5.1) and the VS-stage of two-stage translation (8.5).
 */
export interface WalkStage {
  /** LEVELS of priv spec 4.3.2: 3 for Sv39 and Sv39x4, 4 for Sv48 and Sv48x4. */
  levels: number;
  /**
   * Extra bits of the root index: 2 for the 16 KiB root of Sv39x4/Sv48x4, whose index is
   * GPA[40:30] (GPA[49:39]) instead of 9 bits (8.5.1); 0 otherwise.
   */
  widenBits: number;
  /** PPN of the root page table (satp.PPN, vsatp.PPN, or hgatp.PPN with bits 1:0 zero). */
  rootPpn: number;
  /**
   * G-stage rules (8.5.1): the address is a guest physical address that must fit the widened
   * width, every leaf is checked as a U-mode access (U=1 required; SUM does not apply) with `mxr`
   * the HS-level MXR, and failures are guest-page faults of the original access type.
   */
  gstage: boolean;
  /** HS-level mstatus.MXR, for a G-stage only (8.2.11, 8.5.1). */
  mxr: boolean;
  /**
   * s2xlate: the G-stage that translates the guest physical address of every PTE this stage reads
   * or updates (the VS-stage of two-stage translation, 8.5: "each PTE address is itself translated
   * by the G-stage, as an implicit access"). Undefined when PTE addresses are (host) physical.
   */
  s2?: WalkStage;
}

/**
 * Where the walk reads and updates PTEs: the hart's MMU checks PMP and goes through the bus
 * (BusPteMemory); a hypervisor walking a guest's tables can read its RAM directly.
 */
export interface PteMemory {
  /** Bits 63..32 of the PTE returned by the last successful `read`. */
  hi: number;
  /**
   * Read the 8-byte PTE at physical address `addr` (priv spec 4.3.2 step 2): bits 31..0 as an
   * unsigned number, bits 63..32 left in `hi`; -1 when the read fails (an access fault).
   */
  read(addr: number): number;
  /**
   * The A/D update of priv spec 4.3.2 step 7: store the PTE (`lo`, `hi`) — the one `read` returned
   * as (`readLo`, `hi`) with A, and D for a store, set — if the PTE at `addr` still holds
   * (`readLo`, `hi`). The spec makes the compare and the store one atomic step: where another
   * agent can store to the PTE meanwhile (a hart on another thread), a memory must do them as one
   * compare-and-swap and answer PTE_CHANGED, without storing, when the PTE no longer matches; the
   * walk then goes back to step 2 and reads it again. A memory nothing else can store to in between
   * may store without comparing. PTE_WRITE_FAULT when the store fails (an access fault).
   */
  write(addr: number, lo: number, hi: number, readLo: number): PteWriteResult;
}

/** PteMemory.write stored the updated PTE. */
export const PTE_WRITTEN = 0;
/** PteMemory.write found the PTE changed since it was read and stored nothing (4.3.2 step 7: back to step 2). */
export const PTE_CHANGED = 1;
/** PteMemory.write could not store (PMP, or the PTE is not in RAM): an access fault of the original access. */
export const PTE_WRITE_FAULT = 2;
/** What PteMemory.write did. */
export type PteWriteResult = typeof PTE_WRITTEN | typeof PTE_CHANGED | typeof PTE_WRITE_FAULT;

/**
 * Pseudoinstructions written to htinst/mtinst for a guest-page fault on an implicit access of
 * VS-stage translation (priv spec 8.6.3, table "special pseudoinstruction values"): a 64-bit PTE
 * read, or a 64-bit PTE write for an A/D update. (The RV32 forms, 0x2000 and 0x2020, are for
 * VSXLEN=32, which this hart does not have.)
 */
export const PSEUDO_PTE_READ_64 = 0x0000_3000;
export const PSEUDO_PTE_WRITE_64 = 0x0000_3020;

/** POW2[n] = 2^n, for the address arithmetic of the walk (exact in a double up to 2^1023). */
const POW2 = Float64Array.from({ length: 64 }, (_, n) => 2 ** n);

/**
 * The page-table walk of priv spec 4.3.2, for every stage: one core, parameterised by a
 * `WalkStage` (after Spike's `walk()` and `s2xlate()`), with hardware A/D updates.
 *
 * `walk` returns the translated address (physical, or guest physical for a VS-stage) or -1 with
 * `cause` set. On success the leaf is described by `flags` (after the A/D update), `level` (0 for
 * a 4 KiB page), `global` and `ppn`. For a guest-page fault, `faultGpa` is the guest physical
 * address that could not be translated and `faultInst` is 0 for the access itself or the
 * pseudoinstruction of the implicit PTE access that faulted (8.6.3). Results are left in fields so
 * that a walk allocates nothing; a nested G-stage walk (s2xlate) uses the same fields, which the
 * outer walk writes only after its last nested call.
 */
export class PageTableWalker {
  cause = 0;
  flags = 0;
  level = 0;
  global = false;
  /** PPN of the leaf (an exact integer): the caller can form an address beyond 2^53 exactly. */
  ppn = 0;
  faultGpa = 0n;
  faultInst = 0;

  constructor(
    private readonly mem: PteMemory,
    private readonly stats: MmuStats = new MmuStats(),
  ) {}

  /**
   * Translate `va` for an access of type `access` at privilege `priv` (PRIV_U or PRIV_S) with
   * SUM `sum` and MXR `mxr` (ignored by a G-stage, which checks as U-mode with its own MXR).
   * `va` is an exact integer: negative for the upper half of a single-stage or VS-stage space (the
   * walk checks that it is canonical), a guest physical address for a G-stage. `execRead` is
   * HLVX (8.3.1): read permission is replaced by execute permission. `faultAccess` is the access
   * whose fault causes are reported: the original access, for the implicit accesses of s2xlate.
   */
  walk(
    stage: WalkStage, va: number, access: AccessType, priv: number, sum: boolean, mxr: boolean, execRead: boolean,
    faultAccess: AccessType = access,
  ): number {
    const levels = stage.levels;
    const gstage = stage.gstage;
    const s2 = stage.s2;
    const mem = this.mem;
    const span = POW2[levels * LEVEL_BITS + PAGE_SHIFT + stage.widenBits];
    if (gstage) {
      // A guest physical address wider than the G-stage accepts is a guest-page fault (8.5.1).
      if (va >= span) return this.fail(guestPageFaultCause(faultAccess), stage, va);
      priv = PRIV_U; // every G-stage access is checked as a U-mode access (8.5.1)
      sum = false;
      mxr = stage.mxr;
    } else if (va < -span / 2 || va >= span / 2) {
      // Bits 63..VALEN-1 must all equal bit VALEN-1 (4.4.1, 4.5.1).
      return this.fail(pageFaultCause(faultAccess), stage, va);
    }
    // MmuStats.walks counts walks that read PTEs: an address rejected above is not one.
    this.stats.walks++;
    let table = stage.rootPpn * 2 ** PAGE_SHIFT;
    let global = false;
    for (let i = levels - 1; i >= 0; i--) {
      const shift = POW2[PAGE_SHIFT + LEVEL_BITS * i];
      const indexMask = i === levels - 1 ? (512 << stage.widenBits) - 1 : 511;
      const pteAddr = table + (Math.floor(va / shift) & indexMask) * PTE_SIZE;
      // Step 2, with s2xlate for a VS-stage: the PTE's guest physical address goes through the
      // G-stage as an implicit load (8.5). A failed read is an access fault of the original type.
      const readAddr = s2 === undefined ? pteAddr : this.s2xlate(s2, pteAddr, ACCESS_LOAD, faultAccess);
      if (readAddr < 0) return -1;
      const lo = mem.read(readAddr);
      if (lo < 0) return this.fail(accessFaultCause(faultAccess), stage, va);
      const hi = mem.hi;
      this.stats.pteReads++;

      // Step 3: invalid, the reserved W-without-R encoding, or reserved bits 63..54 set.
      if ((lo & PTE_V) === 0 || (lo & (PTE_R | PTE_W)) === PTE_W || pteHasReservedHigh(hi)) {
        return this.fail(this.pageFault(stage, faultAccess), stage, va);
      }
      const ppn = ptePpn(lo, hi);

      if (!pteIsLeaf(lo)) {
        // Step 4: pointer to the next level. D/A/U are reserved in non-leaf PTEs (4.3.1); G on a
        // pointer makes every mapping below it global.
        if ((lo & PTE_NONLEAF_RESERVED) !== 0) return this.fail(this.pageFault(stage, faultAccess), stage, va);
        if ((lo & PTE_G) !== 0) global = true;
        table = ppn * 2 ** PAGE_SHIFT;
        continue;
      }

      // Step 5: leaf permissions for this privilege, SUM, MXR (and HLVX).
      // Step 6: a superpage's PPN must be aligned to its size.
      if (!leafAllows(lo, access, priv, sum, mxr, execRead) || (i > 0 && ppn % POW2[LEVEL_BITS * i] !== 0)) {
        return this.fail(this.pageFault(stage, faultAccess), stage, va);
      }

      // Step 7: set A, and D for stores, in memory. For a VS-stage the update is an implicit
      // store through the G-stage (8.5.1), which may itself fault.
      let updated = lo | PTE_A;
      if (access === ACCESS_STORE) updated |= PTE_D;
      updated >>>= 0;
      if (updated !== lo) {
        const writeAddr = s2 === undefined ? pteAddr : this.s2xlate(s2, pteAddr, ACCESS_STORE, faultAccess);
        if (writeAddr < 0) return -1;
        const written = mem.write(writeAddr, updated, hi, lo);
        if (written !== PTE_WRITTEN) {
          if (written === PTE_WRITE_FAULT) return this.fail(accessFaultCause(faultAccess), stage, va);
          // The compare of step 7 failed: another hart stored to the PTE after step 2 read it
          // (cleared it, write-protected it, set D...). "If the comparison fails, return to step
          // 2": read the same PTE again at this level (i++ undoes the loop's i--) and redo steps
          // 3-7 on what is there now, so that store is neither lost nor ignored.
          i++;
          continue;
        }
        this.stats.pteWrites++;
      }

      // Step 8: the address is the leaf's PPN with the untranslated VPN bits of a superpage and
      // the page offset.
      this.flags = updated & 0xff;
      this.level = i;
      this.global = global || (lo & PTE_G) !== 0;
      this.ppn = ppn;
      return ppn * 2 ** PAGE_SHIFT + (va - Math.floor(va / shift) * shift);
    }
    // Step 4 with i < 0: a pointer at level 0.
    return this.fail(this.pageFault(stage, faultAccess), stage, va);
  }

  /**
   * Host physical address of the PTE at guest physical `gpa`, for an implicit load or store of
   * VS-stage translation (8.5); -1 on a fault, which is reported for the original access with
   * htval/mtval2 = the PTE's address and htinst/mtinst = the pseudoinstruction (8.6.3).
   */
  private s2xlate(s2: WalkStage, gpa: number, access: AccessType, faultAccess: AccessType): number {
    const hpa = this.walk(s2, gpa, access, PRIV_U, false, false, false, faultAccess);
    if (hpa < 0 && this.cause === guestPageFaultCause(faultAccess)) {
      this.faultInst = access === ACCESS_STORE ? PSEUDO_PTE_WRITE_64 : PSEUDO_PTE_READ_64;
    }
    return hpa;
  }

  private pageFault(stage: WalkStage, access: AccessType): number {
    return stage.gstage ? guestPageFaultCause(access) : pageFaultCause(access);
  }

  private fail(cause: number, stage: WalkStage, va: number): number {
    this.cause = cause;
    if (stage.gstage) {
      // The G-stage of an explicit access: htval/mtval2 name the address itself (8.6.3), and
      // htinst/mtinst carry no pseudoinstruction (s2xlate sets one for implicit accesses).
      this.faultGpa = BigInt(va);
      this.faultInst = 0;
    }
    return -1;
  }
}

/**
 * The hart's PTE memory: PTE reads and A/D updates are S-mode accesses for PMP (priv spec 3.7.1),
 * PTEs in RAM are read directly, elsewhere through the bus; an A/D update needs real RAM (a PTE in
 * a device or ROM cannot be updated, reported as an access fault).
 */
export class BusPteMemory implements PteMemory {
  hi = 0;
  /**
   * Guest RAM is shared with harts on other threads (@vm/mmu RamStore.shared, `-accel
   * tcg,thread=multi`): PTE reads are 64-bit atomic loads and A/D updates compare-and-swaps. Fixed
   * at construction, so a board on one thread pays one predictable branch per PTE read and A/D update.
   */
  private readonly shared: boolean;

  constructor(
    private readonly bus: SystemBus,
    private readonly pmp: Pmp,
  ) {
    this.shared = bus.ram.store.shared !== undefined;
  }

  read(addr: number): number {
    if (!this.pmp.check(addr, PTE_SIZE, ACCESS_LOAD, PRIV_S)) return -1;
    const ram = this.bus.ram;
    if (addr >= ram.base && addr + PTE_SIZE <= ram.end) {
      if (this.shared) {
        // Another hart may store to the PTE at the same time: read it as one single-copy atomic
        // 64-bit access (unpriv spec 14.1, priv spec 4.3.2 step 2), never as halves of two stores.
        const pte = ram.atomicLoad(addr, 8);
        this.hi = Number(pte >> 32n);
        return Number(pte & 0xffff_ffffn);
      }
      this.hi = ram.read32(addr + 4);
      return ram.read32(addr);
    }
    const pte = this.bus.read(addr, PTE_SIZE);
    if (pte === BUS_FAULT) return -1;
    this.hi = Number(pte >> 32n);
    return Number(pte & 0xffff_ffffn);
  }

  write(addr: number, lo: number, hi: number, readLo: number): PteWriteResult {
    // Step 7's PMP (and PMA: RAM only) check comes before the atomic compare-and-store.
    if (!this.pmp.check(addr, PTE_SIZE, ACCESS_STORE, PRIV_S) || !this.bus.ram.contains(addr, PTE_SIZE)) return PTE_WRITE_FAULT;
    if (this.shared) return this.compareAndWrite(addr, lo, hi, readLo);
    // One thread: nothing stores between the walk's read and this write, so the PTE still holds
    // what was read and the plain store is step 7's atomic update. The bus notifies RAM-write observers.
    this.bus.write(addr, PTE_SIZE, (BigInt(hi) << 32n) | BigInt(lo));
    return PTE_WRITTEN;
  }

  /**
   * Step 7 with harts on threads: one 64-bit Atomics.compareExchange of the whole PTE against the
   * value read (PTEs are 8-byte aligned, and a chunk of shared RAM has a BigInt64Array view), so
   * a store another hart made to either half after the read — a cleared V, a dropped W, its own
   * A/D update — makes the swap fail instead of being overwritten. A successful swap means the
   * PTE held exactly the value steps 3-6 checked at the instant it was updated, which is all step
   * 7 asks.
   */
  private compareAndWrite(addr: number, lo: number, hi: number, readLo: number): PteWriteResult {
    const high = BigInt(hi) << 32n;
    const expected = high | BigInt(readLo);
    if (this.bus.ram.compareExchange(addr, 8, expected, high | BigInt(lo)) !== expected) return PTE_CHANGED;
    for (const obs of this.bus.ramWriteObservers) obs(addr, PTE_SIZE);
    return PTE_WRITTEN;
  }
}

/** Outcome of `walkPageTable`. */
export type WalkResult =
  | { readonly ok: true; readonly address: number; readonly flags: number; readonly level: number; readonly global: boolean }
  | { readonly ok: false; readonly cause: number; readonly faultGpa?: bigint; readonly faultInst?: number };

/**
 * One walk with a fresh walker, as a value: for callers outside the hart's hot path (a hypervisor
 * walking a guest's tables through its own `PteMemory`). See `PageTableWalker.walk` for the
 * parameters; `priv`, `sum` and `mxr` default to an S-mode access without SUM or MXR.
 */
export function walkPageTable(
  stage: WalkStage, va: number, access: AccessType, mem: PteMemory,
  opts: { priv?: number; sum?: boolean; mxr?: boolean; execRead?: boolean } = {},
): WalkResult {
  const w = new PageTableWalker(mem);
  const address = w.walk(stage, va, access, opts.priv ?? PRIV_S, opts.sum ?? false, opts.mxr ?? false, opts.execRead ?? false);
  if (address >= 0) return { ok: true, address, flags: w.flags, level: w.level, global: w.global };
  return w.cause === guestPageFaultCause(access) ? { ok: false, cause: w.cause, faultGpa: w.faultGpa, faultInst: w.faultInst } : { ok: false, cause: w.cause };
}
