import type { Snapshottable, VersionedState } from '@vm/core';
import { VmError } from '@vm/core';
import type { SystemBus } from './bus.js';
import { ACCESS_LOAD, PA_LIMIT, PRIV_M, PRIV_U, accessFaultCause, guestPageFaultCause, type AccessType } from './access.js';
import { gpaLimit, gstageLevels, hgatpMode, hgatpPpn } from './gstage.js';
import { PERMISSIONS, TLB_BARE, contextShift, packPermissions, permissionRow } from './permissions.js';
import { Pmp, type PmpState } from './pmp.js';
import { LEVEL_BITS, PAGE_SHIFT, PAGE_SIZE } from './pte.js';
import { ASID_MASK, SATP_MODE_BARE, pagingLevels, satpAsid, satpMode, satpPpn } from './satp.js';
import { MmuStats } from './stats.js';
import { TLB_GLOBAL, TLB_MAX_CONTEXTS, Tlb, vpnOf } from './tlb.js';
import { BusPteMemory, PageTableWalker, type WalkStage } from './walk.js';

export interface MmuState extends VersionedState {
  readonly version: 1;
  readonly pmp: PmpState;
}

export interface MmuOptions {
  /** TLB entries, a power of two (default 1024). */
  readonly tlbEntries?: number;
}

const CONTEXT_KEY_MASK = (1n << 60n) - 1n;

/**
 * Address translation for one hart: Bare, Sv39 and Sv48 (priv spec 4.3-4.5), a TLB, and PMP
 * (priv spec 3.7) on every access and on the page-table walk itself.
 *
 * `translate` returns the physical address of an access that may proceed as far as translation and
 * PMP are concerned; the hart then performs it (and turns a bus miss into an access fault).
 *
 * TLB entries are tagged by ASID and by the root page table they were walked from, so switching
 * between address spaces keeps both cached, and software that reuses an ASID for a new root
 * without SFENCE.VMA (allowed by QEMU's flush-on-satp-write) still sees the new tables.
 * Entries hold raw PTE flags, re-checked on every hit against the current privilege, SUM and MXR.
 */
/** `Mmu.leafLevel` for an access that is not translated (M-mode, Bare): any size of leaf fits. */
export const LEAF_UNTRANSLATED = 4;
/** Mmu.lastLevel when the leaf is not known (a two-stage translation): a fence of any address covers it. */
export const LEVEL_UNKNOWN = 255;

export class Mmu implements Snapshottable<MmuState> {
  readonly pmp = new Pmp();
  readonly stats = new MmuStats();
  /**
   * TLB flushes so far (whole or partial), never reset: a hart keeps its page caches across a
   * round trip to another privilege level only while this is unchanged (Hart.rederive).
   */
  flushCount = 0;
  /** Exception cause of the last failed translate(). */
  faultCause = 0;
  /**
   * Guest physical address of the last guest-page fault (causes 20, 21, 23; priv spec 8.2.8, 8.6.1): the
   * hart writes faultGpa >> 2 to htval/mtval2. Only meaningful right after such a fault.
   */
  faultGpa = 0n;
  /**
   * For the last guest-page fault: 0 when the access itself faulted at the G-stage, or the
   * pseudoinstruction (PSEUDO_PTE_READ_64 / PSEUDO_PTE_WRITE_64) when the implicit access of the
   * VS-stage walk to a PTE did (priv spec 8.6.3); the hart writes it to htinst/mtinst.
   */
  faultInst = 0;
  /**
   * Virtualization mode V (priv spec 8.1), kept current by a hart with the H extension: while set,
   * translate() performs two-stage translation (translateGuest).
   */
  virt = false;

  private readonly tlb: Tlb;
  /** The one walk core for every stage (walk.ts). */
  private readonly walker: PageTableWalker;
  private satpValue = 0n;
  private mode = SATP_MODE_BARE;
  private asid = 0;
  /** The single stage of satp (Sv39/Sv48) while V=0. */
  private readonly sStage: WalkStage = { levels: 0, widenBits: 0, rootPpn: 0, gstage: false, mxr: false, s2: undefined };
  /** Context id of the current (ASID, root) pair, and its TLB index salt. */
  private ctx = 0;
  private salt = 0;
  private readonly contexts = new Map<bigint, number>();
  private sumBit = false;
  private mxrBit = false;
  /** Bit of the TLB permission word for (S-mode, SUM, MXR); U-mode is 12 bits lower. */
  private control = 0;

  // ---- hypervisor extension (priv spec 8.5): VS-stage and G-stage state ----
  private vsatpValue = 0n;
  private hgatpValue = 0n;
  private vsumBit = false;
  private vmxrBit = false;
  /** G-stage (hgatp, Sv39x4/Sv48x4 with the 2-bit wider root; levels 0 when Bare). */
  private readonly gStage: WalkStage = { levels: 0, widenBits: 2, rootPpn: 0, gstage: true, mxr: false, s2: undefined };
  /** VS-stage (vsatp; levels 0 when Bare), whose PTE addresses go through the G-stage (s2). */
  private readonly vsStage: WalkStage = { levels: 0, widenBits: 0, rootPpn: 0, gstage: false, mxr: false, s2: undefined };
  /** TLB context of the current (vsatp, hgatp, HS MXR) triple; recomputed when dirty. */
  private vctx = 0;
  private vsalt = 0;
  private vctxDirty = true;

  constructor(
    readonly bus: SystemBus,
    options: MmuOptions = {},
  ) {
    this.tlb = new Tlb(options.tlbEntries ?? 1024);
    this.walker = new PageTableWalker(new BusPteMemory(bus, this.pmp), this.stats);
    // Translations cache PMP results, so every PMP change invalidates them.
    this.pmp.onChange = () => this.flushAll();
    this.satp = 0n;
  }

  /** satp as last written by the hart (already WARL-legalised). */
  get satp(): bigint {
    return this.satpValue;
  }
  set satp(value: bigint) {
    this.satpValue = value;
    const mode = satpMode(value);
    if (mode !== this.mode) {
      // Cached entries are only meaningful in the mode they were made in (Bare entries are
      // identities); MODE changes take effect without a fence (priv spec 4.1.11).
      this.mode = mode;
      this.sStage.levels = pagingLevels(mode);
      this.flushAll();
    }
    this.asid = satpAsid(value);
    this.sStage.rootPpn = satpPpn(value);
    // Bare identities are cached as global entries: make them this context's first probe.
    this.ctx = mode === SATP_MODE_BARE ? TLB_GLOBAL : this.contextOf(value & CONTEXT_KEY_MASK);
    this.salt = this.tlb.saltOf(this.ctx);
  }

  /** mstatus.SUM, kept current by the hart. */
  get sum(): boolean {
    return this.sumBit;
  }
  set sum(value: boolean) {
    this.sumBit = value;
    this.control = contextShift(0, value, this.mxrBit);
  }

  /** mstatus.MXR, kept current by the hart. */
  get mxr(): boolean {
    return this.mxrBit;
  }
  set mxr(value: boolean) {
    this.mxrBit = value;
    this.control = contextShift(0, this.sumBit, value);
    this.vctxDirty = true;
  }

  /** vsatp (priv spec 8.2.18), kept current by the hart: the VS-stage root while V=1. */
  get vsatp(): bigint {
    return this.vsatpValue;
  }
  set vsatp(value: bigint) {
    this.vsatpValue = value;
    this.vctxDirty = true;
  }

  /** hgatp (priv spec 8.2.10, already legalised), kept current by the hart: the G-stage root. */
  get hgatp(): bigint {
    return this.hgatpValue;
  }
  set hgatp(value: bigint) {
    this.hgatpValue = value;
    this.vctxDirty = true;
  }

  /** vsstatus.SUM: applies to the VS-stage while V=1 (priv spec 8.2.11). */
  get vsum(): boolean {
    return this.vsumBit;
  }
  set vsum(value: boolean) {
    this.vsumBit = value;
  }

  /** vsstatus.MXR: applies to the VS-stage only (priv spec 8.2.11). */
  get vmxr(): boolean {
    return this.vmxrBit;
  }
  set vmxr(value: boolean) {
    this.vmxrBit = value;
  }

  /**
   * Translate a virtual address for an access of `width` bytes at effective privilege `priv`
   * (0 U, 1 S, 3 M — after MPRV). Returns the physical address, or -1 with `faultCause` set.
   * The access must not cross a page boundary (the hart splits those).
   */
  translate(va: bigint, access: AccessType, priv: number, width: number): number {
    if (this.virt) return this.translateGuest(va, access, priv, width, false);
    const n = Number(va);
    if (priv === PRIV_M) return this.untranslated(n, access, width);
    // Upper-half addresses: the signed value is exact for every canonical Sv39/Sv48 address.
    return this.translated(n < PA_LIMIT ? n : Number(BigInt.asIntN(64, va)), access, priv, width);
  }

  /**
   * translate() of the address whose 64 bits are the int32 halves (hi:lo), with no BigInt on the
   * way unless V=1: the harts' page-cache fills (a hundred thousand in a Linux boot) call it.
   */
  translateAt(lo: number, hi: number, access: AccessType, priv: number, width: number): number {
    if (this.virt) return this.translateGuest(BigInt.asUintN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0)), access, priv, width, false);
    if (priv === PRIV_M) return this.untranslated((hi >>> 0) * 2 ** 32 + (lo >>> 0), access, width);
    return this.translated(hi * 2 ** 32 + (lo >>> 0), access, priv, width);
  }

  /** An M-mode access to `n` (the address unsigned): never translated; only locked PMP entries can restrict it (priv spec 3.7.1). */
  private untranslated(n: number, access: AccessType, width: number): number {
    this.lastLevel = 0;
    if (n >= 0 && n < PA_LIMIT && (!this.pmp.anyActive || this.pmp.check(n, width, access, PRIV_M))) return n;
    this.faultCause = accessFaultCause(access);
    return -1;
  }

  /** An S/U access to `n` (the address as a signed 64-bit value): the TLB, else a walk. */
  private translated(n: number, access: AccessType, priv: number, width: number): number {
    const vpn = vpnOf(n);
    const page = this.tlb.lookup(vpn, this.ctx, this.salt, priv * 12 + this.control + access);
    if (page >= 0) {
      this.stats.tlbHits++;
      this.lastLevel = this.tlb.hitLevel;
      return page + (n - vpn * PAGE_SIZE);
    }
    return this.miss(n, access, priv, width);
  }

  /**
   * Level of the leaf PTE that maps `va` for a non-virtualised access at `priv` (0 = 4 KiB page,
   * 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB), from a fresh walk that bypasses the TLB; LEAF_UNTRANSLATED
   * when no translation applies (M-mode or Bare); -1 when the walk faults. A hypervisor uses it to
   * back a guest superpage with a shadow superpage. Call it after `translate` succeeded for the same
   * access, so the walk finds A (and D) already set and changes nothing.
   */
  leafLevel(va: bigint, access: AccessType, priv: number): number {
    if (priv === PRIV_M || this.mode === SATP_MODE_BARE) return LEAF_UNTRANSLATED;
    let n = Number(va);
    if (n >= PA_LIMIT) n = Number(BigInt.asIntN(64, va));
    const walker = this.walker;
    return walker.walk(this.sStage, n, access, priv, this.sumBit, this.mxrBit, false) < 0 ? -1 : walker.level;
  }

  /**
   * Translate a guest virtual address as a V=1 access at VS/VU privilege `priv` (0 VU, 1 VS):
   * VS-stage through vsatp, then G-stage through hgatp (priv spec 8.5). Used for every access while
   * V=1, for MPRV with MPV=1, and for HLV/HLVX/HSV. `execRead` is HLVX: a load that needs execute
   * permission at both stages instead of read permission (8.3.1). Returns the host physical address,
   * or -1 with `faultCause` (and `faultGpa` for a guest-page fault) set.
   */
  translateGuest(va: bigint, access: AccessType, priv: number, width: number, execRead: boolean): number {
    if (this.vctxDirty) this.updateGuestContext();
    this.lastLevel = LEVEL_UNKNOWN;
    let n = Number(va);
    if (n >= PA_LIMIT) n = Number(BigInt.asIntN(64, va));
    const vpn = vpnOf(n);
    if (!execRead) {
      const bit = priv * 12 + contextShift(0, this.vsumBit, this.vmxrBit || this.mxrBit) + access;
      const page = this.tlb.lookupLocal(vpn, this.vctx, this.vsalt, bit);
      if (page >= 0) {
        this.stats.tlbHits++;
        return page + (n - vpn * PAGE_SIZE);
      }
    }
    return this.missGuest(va, n, access, priv, width, execRead);
  }

  /** HFENCE.VVMA (priv spec 8.3.2, 8.5.3): VS-stage entries of the current VMID; we drop all guest entries. */
  hfenceVvma(_va: bigint | undefined, _asid: bigint | undefined): void {
    this.flushAll();
  }

  /** HFENCE.GVMA (priv spec 8.3.2): G-stage entries (and the combined ones built on them). */
  hfenceGvma(_gpa: bigint | undefined, _vmid: bigint | undefined): void {
    this.flushAll();
  }

  /**
   * Level of the leaf PTE behind the last translate() that succeeded (0 = 4 KiB page, 1 = 2 MiB,
   * 2 = 1 GiB, ...; 0 untranslated), or LEVEL_UNKNOWN (V=1: two stages): what an SFENCE.VMA of
   * one address must drop of a cache filled from it (Hart's page caches: PageCache.dropCovering).
   */
  lastLevel = 0;

  /** sfence.vma rs1, rs2: undefined means "all" for that operand (priv spec 4.2.1). */
  sfence(va: bigint | undefined, asid: bigint | undefined): void {
    const a = asid === undefined ? undefined : Number(asid & BigInt(ASID_MASK));
    if (va === undefined) {
      if (a === undefined) this.flushAll();
      else this.tlb.flushAsid(a);
    } else {
      this.tlb.flushPage(vpnOf(Number(BigInt.asIntN(64, va))), a);
    }
    this.stats.flushes++;
    this.flushCount++;
  }

  flushAll(): void {
    this.tlb.flushAll();
    this.stats.flushes++;
    this.flushCount++;
  }

  snapshot(): MmuState {
    return { version: 1, pmp: this.pmp.snapshot() };
  }

  restore(state: MmuState): void {
    if (state.version !== 1) throw new VmError(`mmu: unknown snapshot version ${String(state.version)}`);
    this.pmp.restore(state.pmp);
    this.flushAll();
  }

  /** TLB miss: translate the slow way, fill the TLB, then check PMP for this access exactly. */
  private miss(n: number, access: AccessType, priv: number, width: number): number {
    this.stats.tlbMisses++;
    let pa: number;
    let flags: number;
    let level = 0;
    let global = true;
    if (this.mode === SATP_MODE_BARE) {
      if (!(n >= 0 && n < PA_LIMIT)) return this.fail(accessFaultCause(access));
      pa = n;
      flags = TLB_BARE;
    } else {
      // Another granule of a superpage leaf already walked: its entry from the leaf's flags, as
      // the walk would make it, when they allow this access (else the walk sets A/D or faults).
      const vpn = vpnOf(n);
      const sp = this.tlb.superpage(vpn, this.ctx);
      if (sp >= 0) {
        const allow = packPermissions(this.tlb.spHitFlags, this.pmp.pageAccessMask(sp, priv));
        if (((allow >>> (priv * 12 + this.control + access)) & 1) !== 0) {
          level = this.tlb.spHitLevel;
          this.tlb.insert(vpn, this.tlb.spHitGlobal ? TLB_GLOBAL : this.ctx, this.salt, this.asid, allow, sp, level);
          this.lastLevel = level;
          return sp + (n - vpn * PAGE_SIZE);
        }
      }
      const walker = this.walker;
      pa = walker.walk(this.sStage, n, access, priv, this.sumBit, this.mxrBit, false, access);
      if (pa < 0) return this.fail(walker.cause);
      // A leaf may name a PPN beyond what a number holds exactly: nothing is mapped there.
      if (pa >= PA_LIMIT) return this.fail(accessFaultCause(access));
      flags = walker.flags;
      level = walker.level;
      global = walker.global;
    }
    const page = pa - (pa % PAGE_SIZE);
    const pmpMask = this.pmp.pageAccessMask(page, priv);
    const ctx = global ? TLB_GLOBAL : this.ctx;
    this.tlb.insert(vpnOf(n), ctx, this.salt, this.asid, packPermissions(flags, pmpMask), page, level);
    if (level !== 0) this.tlb.insertSuperpage(vpnOf(n), level, ctx, this.asid, flags, page);
    this.lastLevel = level;
    if ((pmpMask & (1 << access)) === 0 && !this.pmp.check(pa, width, access, priv)) {
      return this.fail(accessFaultCause(access));
    }
    return pa;
  }

  private updateGuestContext(): void {
    const hgatp = this.hgatpValue;
    const g = this.gStage;
    g.levels = gstageLevels(hgatpMode(hgatp));
    g.rootPpn = hgatpPpn(hgatp);
    g.mxr = this.mxrBit;
    const vs = this.vsStage;
    vs.levels = pagingLevels(satpMode(this.vsatpValue));
    vs.rootPpn = satpPpn(this.vsatpValue);
    vs.s2 = g.levels === 0 ? undefined : g;
    // Guest entries depend on both roots (with ASID and VMID) and on the HS-level MXR, which the
    // packed G-stage permissions are computed with; bit 130 keeps these keys apart from satp's.
    const key =
      (1n << 130n) | (this.mxrBit ? 1n << 129n : 0n) | (BigInt.asUintN(64, hgatp) << 64n) | BigInt.asUintN(64, this.vsatpValue);
    this.vctxDirty = false;
    this.vctx = this.contextOf(key);
    this.vsalt = this.tlb.saltOf(this.vctx);
  }

  /**
   * Guest TLB miss: the VS-stage walk (each PTE address through the G-stage), the G-stage of the
   * access itself, a TLB fill with the combined permissions, then PMP.
   */
  private missGuest(va: bigint, n: number, access: AccessType, priv: number, width: number, execRead: boolean): number {
    this.stats.tlbMisses++;
    const walker = this.walker;
    const g = this.gStage;
    const vs = this.vsStage;
    let gpa: number;
    let vsFlags: number;
    if (vs.levels === 0) {
      // vsatp Bare: the guest virtual address is the guest physical address, all 64 bits of it.
      const wide = BigInt.asUintN(64, va);
      if (g.levels !== 0 && wide >= BigInt(gpaLimit(g.levels))) return this.guestFault(guestPageFaultCause(access), wide);
      if (wide >= BigInt(PA_LIMIT)) return this.fail(accessFaultCause(access));
      gpa = Number(wide);
      vsFlags = TLB_BARE;
    } else {
      gpa = walker.walk(vs, n, access, priv, this.vsumBit, this.vmxrBit || this.mxrBit, execRead, access);
      if (gpa < 0) return this.walkFail();
      vsFlags = walker.flags;
      if (g.levels !== 0 && gpa >= gpaLimit(g.levels)) {
        // A GPA wider than the G-stage accepts is a guest-page fault (8.5.1), reported exactly
        // even where the number is not.
        const leaf = 2 ** (PAGE_SHIFT + LEVEL_BITS * walker.level);
        const offset = n - Math.floor(n / leaf) * leaf;
        return this.guestFault(guestPageFaultCause(access), (BigInt(walker.ppn) << BigInt(PAGE_SHIFT)) + BigInt(offset));
      }
    }
    let pa: number;
    let gFlags: number;
    if (g.levels === 0) {
      if (gpa >= PA_LIMIT) return this.fail(accessFaultCause(access));
      pa = gpa;
      gFlags = 0x1ff;
    } else {
      pa = walker.walk(g, gpa, access, PRIV_U, false, false, execRead, access);
      if (pa < 0) return this.walkFail();
      gFlags = walker.flags;
    }
    if (pa >= PA_LIMIT) return this.fail(accessFaultCause(access));
    const page = pa - (pa % PAGE_SIZE);
    const pmpMask = this.pmp.pageAccessMask(page, priv);
    if (!execRead) {
      const gMask = gFlags === 0x1ff ? 7 : PERMISSIONS[permissionRow(0, false, g.mxr) | gFlags];
      this.tlb.insert(vpnOf(n), this.vctx, this.vsalt, -1, packPermissions(vsFlags, pmpMask & gMask), page, 0);
    }
    const pmpAccess = execRead ? ACCESS_LOAD : access;
    if ((pmpMask & (1 << pmpAccess)) === 0 && !this.pmp.check(pa, width, pmpAccess, priv)) {
      return this.fail(accessFaultCause(access));
    }
    return pa;
  }

  /** A failed walk: its cause, and for a guest-page fault the address and pseudoinstruction. */
  private walkFail(): number {
    const w = this.walker;
    this.faultGpa = w.faultGpa;
    this.faultInst = w.faultInst;
    return this.fail(w.cause);
  }

  private guestFault(cause: number, gpa: bigint): number {
    this.faultGpa = gpa;
    this.faultInst = 0;
    return this.fail(cause);
  }

  private fail(cause: number): number {
    this.faultCause = cause;
    return -1;
  }

  /** Small integer naming an (ASID, root) pair, so that a TLB hit compares one number. */
  private contextOf(key: bigint): number {
    let id = this.contexts.get(key);
    if (id === undefined) {
      if (this.contexts.size >= TLB_MAX_CONTEXTS) {
        this.contexts.clear();
        this.flushAll();
        this.vctxDirty = true;
      }
      id = this.contexts.size;
      this.contexts.set(key, id);
    }
    return id;
  }
}
