import type { Hart } from '@vm/isa';
import {
  CAUSE_BREAKPOINT, CAUSE_ECALL_U, CAUSE_FETCH_ACCESS, CAUSE_FETCH_PAGE_FAULT, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_LOAD_ACCESS,
  CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_ACCESS, CAUSE_STORE_PAGE_FAULT, PRIV_M,
} from '@vm/isa';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PAGE_SIZE, type AccessType } from '@vm/mmu';
import type { ExitReason } from './exit-reason.js';
import type { Vm } from './vm.js';

const OP_SYSTEM = 0x73;
const INSN_MRET = 0x3020_0073;
const INSN_SRET = 0x1020_0073;
const INSN_WFI = 0x1050_0073;
const SFENCE_VMA_MASK = 0xfe00_7fff;
const SFENCE_VMA = 0x1200_0073;

/** A trap of the real hart, classified: what it is and how the hypervisor will handle it. */
export interface ClassifiedTrap {
  readonly reason: ExitReason;
  /** How: re-execute on the virtual hart, inject into the guest, or fill the shadow table. */
  readonly action: 'step' | 'inject' | 'fill';
  /** For page faults: the access type and guest-physical address (-1 when the guest faults). */
  readonly access?: AccessType;
  readonly gpa?: number;
}

const PF_ACCESS: Record<number, AccessType> = {
  [CAUSE_FETCH_PAGE_FAULT]: ACCESS_FETCH,
  [CAUSE_LOAD_PAGE_FAULT]: ACCESS_LOAD,
  [CAUSE_STORE_PAGE_FAULT]: ACCESS_STORE,
};

/**
 * Trap-and-emulate (Popek & Goldberg): every guest privilege level runs in real U-mode, so each
 * sensitive instruction traps to the hypervisor. This decides, for one real trap, what happened
 * in the guest's terms; `apply` then does it.
 */
/** A level-1 leaf of the shadow (Sv48) tables: 2 MiB. */
const SUPERPAGE = 2 * 1024 * 1024;

export class TrapEmulator {
  constructor(private readonly real: Hart) {}

  classify(vm: Vm, cause: number, tval: bigint): ClassifiedTrap {
    const vcpu = vm.vhart;
    if (cause === CAUSE_ILLEGAL_INSTRUCTION) {
      const insn = Number(tval & 0xffff_ffffn);
      // Privileged instructions are the SYSTEM opcode (priv spec 2.1, 3.3); anything else the real
      // hart refused (FP with FS=Off, a reserved encoding) the guest's hart refuses too.
      if ((insn & 0x7f) !== OP_SYSTEM) return { reason: 'guest-fault', action: 'inject' };
      const f3 = (insn >> 12) & 7;
      if (f3 === 4) return { reason: 'guest-fault', action: 'inject' };
      if (f3 !== 0) return { reason: 'csr', action: 'step' };
      if (insn === INSN_WFI) return { reason: 'wfi', action: 'step' };
      if (insn === INSN_MRET || insn === INSN_SRET || (insn & SFENCE_VMA_MASK) === SFENCE_VMA) return { reason: 'privileged', action: 'step' };
      return { reason: 'guest-fault', action: 'inject' };
    }
    if (cause === CAUSE_ECALL_U) return { reason: 'ecall', action: 'inject' };
    const access = PF_ACCESS[cause];
    if (access === undefined) return { reason: 'guest-fault', action: 'inject' };
    // M-mode loads/stores under MPRV use another privilege's translation than its fetches: the
    // shadow view maps only code, and each data access is emulated on the virtual hart.
    const wp = vm.shadow.guestTables;
    if (access !== ACCESS_FETCH && vcpu.mprvActive) {
      if (access === ACCESS_STORE && wp.enabled) this.storeThrough(vm, vcpu.hart.mmu.translate(tval, access, vcpu.dataPriv, 1));
      return { reason: 'mmio', action: 'step', access };
    }
    const priv = access === ACCESS_FETCH ? vcpu.vpriv : vcpu.dataPriv;
    // With write-protected tables the shadows never see a stale guest PTE, and SFENCE.VMA keeps
    // them: so a shadow miss walks the guest's tables afresh too (a hart without a TLB entry for va).
    if (wp.enabled) vcpu.hart.mmu.sfence(tval, undefined);
    // The guest's own translation and PMP decide (priv spec 4.3.2 walk, 3.7 PMP), with its A/D
    // updates: the guest sees exactly what its hart would do.
    const gpa = vcpu.hart.mmu.translate(tval, access, priv, 1);
    if (gpa < 0) return { reason: 'guest-fault', action: 'inject', access, gpa };
    if (!vm.ram.contains(gpa, 1)) return { reason: 'mmio', action: 'step', access, gpa };
    const pmpMask = this.pmpMask(vm, gpa, priv);
    // PMP finer than a page: a shadow leaf cannot express it, emulate this access exactly.
    if (((pmpMask >> access) & 1) === 0) {
      if (access === ACCESS_STORE) this.storeThrough(vm, gpa);
      return { reason: 'page-fault', action: 'step', access, gpa };
    }
    // A store to a write-protected guest page table: drop what was derived from it, emulate the store.
    if (access === ACCESS_STORE && this.storeThrough(vm, gpa)) return { reason: 'page-fault', action: 'step', access, gpa };
    return { reason: 'page-fault', action: 'fill', access, gpa };
  }

  /**
   * Fill the shadow leaf for `va` in the current view. R and X are granted when the guest allows
   * them in this view (probing its translation, which sets nothing new: A is already set); W only
   * on a store, so the guest's D bit was set by this very walk (shadow dirty tracking).
   */
  fill(vm: Vm, va: bigint, access: AccessType, gpa: number): void {
    const vcpu = vm.vhart;
    const vmmu = vcpu.hart.mmu;
    const priv = access === ACCESS_FETCH ? vcpu.vpriv : vcpu.dataPriv;
    const pmpMask = this.pmpMask(vm, gpa, priv);
    const page = gpa - (gpa % PAGE_SIZE);
    const same = (a: AccessType): boolean => {
      if (((pmpMask >> a) & 1) === 0) return false;
      const p = vmmu.translate(va, a, priv, 1);
      return p >= 0 && p - (p % PAGE_SIZE) === page;
    };
    const codeOnly = vcpu.mprvActive;
    const perm = {
      read: !codeOnly && (access === ACCESS_LOAD || same(ACCESS_LOAD)),
      write: !codeOnly && access === ACCESS_STORE,
      execute: access === ACCESS_FETCH || (!codeOnly && same(ACCESS_FETCH)),
    };
    const key = vcpu.viewKey();
    vm.shadow.satpFor(key);
    const wp = vm.shadow.guestTables;
    let big = this.superpage(vm, va, access, priv, gpa);
    // A superpage leaf depends on the guest walk as a whole 2 MiB entry (kept even if it ends up 4 KiB).
    const entry = { key, va: va & ~BigInt(PAGE_SIZE - 1), level: big === undefined ? 0 : 1 };
    // Track the guest tables this leaf comes from; a newly tracked one loses every writable leaf.
    if (wp.enabled && vcpu.vpriv !== PRIV_M && vcpu.hart.satp >> 60n !== 0n) {
      let revoked = 0;
      for (const table of wp.record(vm.ram, vcpu.hart.satp, va, entry)) {
        for (const e of wp.revokeWrite(table)) {
          vm.shadow.unmapEntry(e.key, e.va, e.level);
          revoked++;
        }
      }
      if (revoked > 0) {
        vm.stats.count('shadow.write-protect', revoked);
        this.flushReal();
      }
    }
    // Over a guest page table only a read-only superpage, and only where no 4 KiB leaves are: a
    // writable one would expose the table, and replacing a split slot would ping-pong with the
    // stores that split it.
    if (big !== undefined && wp.enabled && wp.anyTracked(big.gpa) && (perm.write || vm.shadow.isSplit(key, big.va))) big = undefined;
    // A guest page table is mapped read-only in every view (its D bit then waits for the emulated store).
    if (big === undefined && perm.write && wp.enabled && wp.isTracked(page)) perm.write = false;
    if (big !== undefined) {
      if (vm.shadow.map(key, big.va, vm.hostAddress(big.gpa), perm, 1)) {
        if (perm.write) wp.noteWritable(entry, big.gpa);
        vm.stats.count('shadow.fill');
        vm.stats.count('shadow.fill-2m');
        this.real.mmu.sfence(undefined, undefined);
        this.real.translationChanged();
      }
      return;
    }
    if (vm.shadow.map(key, va, vm.hostAddress(page), perm)) {
      if (perm.write) wp.noteWritable({ ...entry, level: 0 }, page);
      vm.stats.count('shadow.fill');
      this.real.mmu.sfence(va, undefined);
      this.real.translationChanged();
    }
  }

  /**
   * The guest is about to store to guest-physical `gpa` behind the shadows' back (an emulated
   * store). When it is a tracked page table, every shadow entry derived from it is dropped first
   * (the emulated store follows at once, so nothing can use them in between). True when tracked.
   */
  private storeThrough(vm: Vm, gpa: number): boolean {
    const wp = vm.shadow.guestTables;
    if (gpa < 0 || !wp.enabled || !wp.isTracked(gpa)) return false;
    vm.stats.count('shadow.wp-fault');
    const entries = wp.written(gpa);
    for (const e of entries) vm.shadow.unmapEntry(e.key, e.va, e.level);
    if (entries.length > 0) vm.stats.count('shadow.invalidate', entries.length);
    this.flushReal();
    return true;
  }

  private flushReal(): void {
    this.real.mmu.flushAll();
    this.real.translationChanged();
  }

  /**
   * The 2 MiB range to map at once when the guest maps va with a superpage of at least 2 MiB (or
   * does not translate at all: virtual M-mode, Bare) and the whole range is guest RAM, contiguous
   * and 2 MiB-aligned in the host window, with guest PMP uniform over it. Real shadow MMUs do the
   * same: a guest that maps its RAM with gigapages would otherwise take one hidden fault per 4 KiB.
   */
  private superpage(vm: Vm, va: bigint, access: AccessType, priv: number, gpa: number): { va: bigint; gpa: number } | undefined {
    const vmmu = vm.vhart.hart.mmu;
    if (vmmu.leafLevel(va, access, priv) < 1) return undefined;
    const base = gpa - (gpa % SUPERPAGE);
    if (!vm.ram.contains(base, SUPERPAGE) || vm.hostAddress(base) % SUPERPAGE !== 0) return undefined;
    if (Number(BigInt.asUintN(21, va)) !== gpa - base) return undefined;
    const mask = this.pmpMask(vm, base, priv);
    for (let p = base + PAGE_SIZE; p < base + SUPERPAGE; p += PAGE_SIZE) if (this.pmpMask(vm, p, priv) !== mask) return undefined;
    return { va: va - BigInt(gpa - base), gpa: base };
  }

  /** Access-fault cause for an access type (deny of an MMIO access). */
  static accessFault(access: AccessType | undefined): number {
    return access === ACCESS_FETCH ? CAUSE_FETCH_ACCESS : access === ACCESS_STORE ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
  }

  /** The exception the guest gets for a trap classified 'inject'. */
  static injection(vm: Vm, cause: number, tval: bigint, epc: bigint, c: ClassifiedTrap): { cause: number; tval: bigint } {
    if (cause === CAUSE_ECALL_U) return { cause: CAUSE_ECALL_U + vm.vhart.vpriv, tval: 0n };
    if (cause === CAUSE_BREAKPOINT) return { cause, tval: epc };
    if (c.gpa !== undefined && c.gpa < 0) return { cause: vm.vhart.hart.mmu.faultCause, tval };
    return { cause, tval };
  }

  /** Accesses (accessBit mask) the guest's PMP allows on the whole page of gpa at `priv`. */
  private pmpMask(vm: Vm, gpa: number, priv: number): number {
    const pmp = vm.vhart.hart.mmu.pmp;
    if (priv === 3 && !pmp.anyActive) return 7;
    return pmp.pageAccessMask(gpa - (gpa % PAGE_SIZE), priv);
  }
}
