import type { Snapshottable, VersionedState } from '@vm/core';
import { VmError } from '@vm/core';
import type { SystemBus } from './bus.js';
import { PA_LIMIT, PRIV_M, accessFaultCause, pageFaultCause, type AccessType } from './access.js';
import { TLB_BARE, contextShift, packPermissions } from './permissions.js';
import { Pmp, type PmpState } from './pmp.js';
import { PAGE_SIZE } from './pte.js';
import { ASID_MASK, SATP_MODE_BARE, pagingLevels, satpAsid, satpMode, satpPpn } from './satp.js';
import { MmuStats } from './stats.js';
import { TLB_GLOBAL, TLB_MAX_CONTEXTS, Tlb, vpnOf } from './tlb.js';
import { PageTableWalker } from './walker.js';

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
export class Mmu implements Snapshottable<MmuState> {
  readonly pmp = new Pmp();
  readonly stats = new MmuStats();
  /** Exception cause of the last failed translate(). */
  faultCause = 0;

  private readonly tlb: Tlb;
  private readonly walker: PageTableWalker;
  private satpValue = 0n;
  private mode = SATP_MODE_BARE;
  private levels = 0;
  private asid = 0;
  private rootPpn = 0;
  /** Context id of the current (ASID, root) pair, and its TLB index salt. */
  private ctx = 0;
  private salt = 0;
  private readonly contexts = new Map<bigint, number>();
  private sumBit = false;
  private mxrBit = false;
  /** Bit of the TLB permission word for (S-mode, SUM, MXR); U-mode is 12 bits lower. */
  private control = 0;

  constructor(
    readonly bus: SystemBus,
    options: MmuOptions = {},
  ) {
    this.tlb = new Tlb(options.tlbEntries ?? 1024);
    this.walker = new PageTableWalker(bus, this.pmp, this.stats);
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
      this.levels = pagingLevels(mode);
      this.flushAll();
    }
    this.asid = satpAsid(value);
    this.rootPpn = satpPpn(value);
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
  }

  /**
   * Translate a virtual address for an access of `width` bytes at effective privilege `priv`
   * (0 U, 1 S, 3 M — after MPRV). Returns the physical address, or -1 with `faultCause` set.
   * The access must not cross a page boundary (the hart splits those).
   */
  translate(va: bigint, access: AccessType, priv: number, width: number): number {
    let n = Number(va);
    if (priv === PRIV_M) {
      // M-mode is never translated; only locked PMP entries can restrict it (priv spec 3.7.1).
      if (n >= 0 && n < PA_LIMIT && (!this.pmp.anyActive || this.pmp.check(n, width, access, PRIV_M))) return n;
      this.faultCause = accessFaultCause(access);
      return -1;
    }
    // Upper-half addresses: the signed value is exact for every canonical Sv39/Sv48 address.
    if (n >= PA_LIMIT) n = Number(BigInt.asIntN(64, va));
    const vpn = vpnOf(n);
    const page = this.tlb.lookup(vpn, this.ctx, this.salt, priv * 12 + this.control + access);
    if (page >= 0) {
      this.stats.tlbHits++;
      return page + (n - vpn * PAGE_SIZE);
    }
    return this.miss(n, access, priv, width);
  }

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
  }

  flushAll(): void {
    this.tlb.flushAll();
    this.stats.flushes++;
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
      // Bits 63..VALEN-1 must all equal bit VALEN-1 (priv spec 4.4.1, 4.5.1).
      const half = 2 ** (this.levels * 9 + 11);
      if (n < -half || n >= half) return this.fail(pageFaultCause(access));
      const walker = this.walker;
      pa = walker.walk(n, access, priv, this.sumBit, this.mxrBit, this.levels, this.rootPpn);
      if (pa < 0) return this.fail(walker.cause);
      // A leaf may name a PPN beyond what a number holds exactly: nothing is mapped there.
      if (pa >= PA_LIMIT) return this.fail(accessFaultCause(access));
      flags = walker.flags;
      level = walker.level;
      global = walker.global;
    }
    const page = pa - (pa % PAGE_SIZE);
    const pmpMask = this.pmp.pageAccessMask(page, priv);
    this.tlb.insert(vpnOf(n), global ? TLB_GLOBAL : this.ctx, this.salt, this.asid, packPermissions(flags, pmpMask), page, level);
    if ((pmpMask & (1 << access)) === 0 && !this.pmp.check(pa, width, access, priv)) {
      return this.fail(accessFaultCause(access));
    }
    return pa;
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
      }
      id = this.contexts.size;
      this.contexts.set(key, id);
    }
    return id;
  }
}
