import { LEVEL_BITS, PAGE_SIZE } from './pte.js';

/** Context tag of an entry that matches in every address space: G mappings and Bare identities. */
export const TLB_GLOBAL = -1;

/**
 * A direct-mapped translation cache of 4 KiB granules, indexed by the low VPN bits. Entries live
 * in parallel typed arrays so that a hit reads a handful of numbers and allocates nothing.
 *
 * Superpages are cached one 4 KiB granule at a time; each entry remembers the level of the leaf it
 * came from so that an SFENCE.VMA naming any address of a superpage drops every granule of it
 * (priv spec 4.2.1: the fence covers the leaf PTE that maps the address).
 *
 * The tag is the VPN as a (possibly negative, for the upper half) integer plus a context: an id for
 * the (ASID, root) pair the entry was walked in, or TLB_GLOBAL. Entries keep the raw PTE flags; the
 * caller decides whether they permit an access (see PERMISSIONS), and a PMP access mask that holds
 * uniformly for the whole 4 KiB page (0 when PMP must be checked per access).
 */
export class Tlb {
  readonly size: number;
  private readonly mask: number;
  /** VPN tag; NaN marks an empty slot (NaN equals nothing). */
  private readonly vpn: Float64Array;
  private readonly ctx: Int32Array;
  private readonly asid: Int32Array;
  private readonly flags: Uint16Array;
  private readonly pmp: Uint8Array;
  private readonly page: Float64Array;
  private readonly level: Uint8Array;
  /** Superpage granules inserted since the last full flush: when 0, a page fence touches one slot. */
  private superpages = 0;

  constructor(size = 1024) {
    if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0) {
      throw new RangeError(`TLB size must be a power of two, got ${size}`);
    }
    this.size = size;
    this.mask = size - 1;
    this.vpn = new Float64Array(size).fill(NaN);
    this.ctx = new Int32Array(size);
    this.asid = new Int32Array(size);
    this.flags = new Uint16Array(size);
    this.pmp = new Uint8Array(size);
    this.page = new Float64Array(size);
    this.level = new Uint8Array(size);
  }

  /**
   * Physical address of the 4 KiB page cached for `vpn` in context `ctx` when the entry permits the
   * access: `perms[row | flags]` and the PMP mask must both contain `bit`. Otherwise -1.
   */
  lookup(vpn: number, ctx: number, perms: Uint8Array, row: number, bit: number): number {
    const i = vpn & this.mask;
    if (this.vpn[i] !== vpn) return -1;
    const c = this.ctx[i];
    if (c !== ctx && c !== TLB_GLOBAL) return -1;
    if ((perms[row | this.flags[i]] & this.pmp[i] & bit) === 0) return -1;
    return this.page[i];
  }

  insert(vpn: number, ctx: number, asid: number, flags: number, pmpMask: number, page: number, level: number): void {
    const i = vpn & this.mask;
    this.vpn[i] = vpn;
    this.ctx[i] = ctx;
    this.asid[i] = asid;
    this.flags[i] = flags;
    this.pmp[i] = pmpMask;
    this.page[i] = page;
    this.level[i] = level;
    if (level > 0) this.superpages++;
  }

  flushAll(): void {
    this.vpn.fill(NaN);
    this.superpages = 0;
  }

  /**
   * Drop the entries that translate `vpn`: of any context when `asid` is undefined, else only the
   * non-global entries of that ASID (priv spec 4.2.1).
   */
  flushPage(vpn: number, asid: number | undefined): void {
    if (this.superpages === 0) {
      this.flushSlot(vpn & this.mask, vpn, asid);
      return;
    }
    for (let i = 0; i < this.size; i++) this.flushSlot(i, vpn, asid);
  }

  /** Drop every non-global entry of `asid`. */
  flushAsid(asid: number): void {
    for (let i = 0; i < this.size; i++) {
      if (this.ctx[i] !== TLB_GLOBAL && this.asid[i] === asid) this.vpn[i] = NaN;
    }
  }

  private flushSlot(i: number, vpn: number, asid: number | undefined): void {
    const tag = this.vpn[i];
    if (tag !== tag) return; // empty
    if (asid !== undefined && (this.ctx[i] === TLB_GLOBAL || this.asid[i] !== asid)) return;
    // The entry covers vpn when both fall in the same leaf page of the entry's level.
    const span = 2 ** (LEVEL_BITS * this.level[i]);
    if (Math.floor(tag / span) === Math.floor(vpn / span)) this.vpn[i] = NaN;
  }
}

/** VPN of a virtual address held as an exact integer number (negative in the upper half). */
export const vpnOf = (va: number): number => Math.floor(va / PAGE_SIZE);
