import { LEVEL_BITS, PAGE_SIZE } from './pte.js';

/** Context id of entries that match in every address space: G mappings and Bare identities. */
export const TLB_GLOBAL = 8191;
/** Context ids are 0 .. TLB_GLOBAL-1; the tag packs one beside the VPN. */
export const TLB_MAX_CONTEXTS = 8191;
const CTX_RADIX = 8192;

/**
 * A direct-mapped translation cache of 4 KiB granules. Entries live in parallel typed arrays so
 * that a hit is three loads and allocates nothing.
 *
 * Tag: VPN × 8192 + context id, where the VPN is an integer (negative in the upper half, at most
 * 2^36 in magnitude) and the context id names the (ASID, root) pair the entry was walked in, or is
 * TLB_GLOBAL; the product stays below 2^53, so the tag is exact. Non-global entries are indexed by
 * the VPN xor a per-context salt, so address spaces using the same VPNs (every process's text at
 * the same address) stay cached side by side; global entries are indexed by the VPN alone, and a
 * lookup that misses its own slot probes the global one.
 *
 * Superpages are cached one 4 KiB granule at a time; each entry remembers the level of the leaf it
 * came from so that an SFENCE.VMA naming any address of a superpage drops every granule of it
 * (priv spec 4.2.1: the fence covers the leaf PTE that maps the address).
 *
 * Permissions are not decided at fill time: each entry holds a packed word (packPermissions) with
 * the allowed accesses for every (privilege, SUM, MXR) context, combining the PTE flags (A and D
 * included) with PMP for the page, and the caller picks the bit for the current context.
 */
export class Tlb {
  readonly size: number;
  private readonly mask: number;
  /** VPN × 8192 + context; NaN marks an empty slot (NaN equals nothing). */
  private readonly tag: Float64Array;
  private readonly allow: Int32Array;
  private readonly page: Float64Array;
  private readonly asid: Int32Array;
  private readonly level: Uint8Array;
  /** First VPN of the leaf each entry came from (the granule's own VPN for a 4 KiB page): flushPage's range test. */
  private readonly leafStart: Float64Array;

  /** Level of the leaf behind the entry the last successful lookup returned (Mmu.lastLevel). */
  hitLevel = 0;

  constructor(size = 1024) {
    if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0) {
      throw new RangeError(`TLB size must be a power of two, got ${size}`);
    }
    this.size = size;
    this.mask = size - 1;
    this.tag = new Float64Array(size).fill(NaN);
    this.allow = new Int32Array(size);
    this.page = new Float64Array(size);
    this.asid = new Int32Array(size);
    this.level = new Uint8Array(size);
    this.leafStart = new Float64Array(size).fill(NaN);
  }

  /** Index salt of a context id (an odd multiplier spreads consecutive ids over the slots). */
  saltOf(ctx: number): number {
    return ctx === TLB_GLOBAL ? 0 : (ctx * 0x9e37) & this.mask;
  }

  /**
   * Physical address of the 4 KiB page cached for `vpn` in context `ctx` (salted by `salt`) when
   * bit `bit` of the entry's permission word is set; otherwise -1.
   */
  lookup(vpn: number, ctx: number, salt: number, bit: number): number {
    const base = vpn * CTX_RADIX;
    let i = (vpn ^ salt) & this.mask;
    if (this.tag[i] !== base + ctx) {
      i = vpn & this.mask;
      if (this.tag[i] !== base + TLB_GLOBAL) return -1;
    }
    if (((this.allow[i] >>> bit) & 1) === 0) return -1;
    this.hitLevel = this.level[i]!;
    return this.page[i];
  }

  /** As lookup, but only entries of `ctx` itself (no global probe): guest (V=1) contexts. */
  lookupLocal(vpn: number, ctx: number, salt: number, bit: number): number {
    const i = (vpn ^ salt) & this.mask;
    if (this.tag[i] !== vpn * CTX_RADIX + ctx || ((this.allow[i] >>> bit) & 1) === 0) return -1;
    this.hitLevel = this.level[i]!;
    return this.page[i];
  }

  insert(vpn: number, ctx: number, salt: number, asid: number, allow: number, page: number, level: number): void {
    const i = (ctx === TLB_GLOBAL ? vpn : vpn ^ salt) & this.mask;
    this.tag[i] = vpn * CTX_RADIX + ctx;
    this.allow[i] = allow;
    this.page[i] = page;
    this.asid[i] = asid;
    this.level[i] = level;
    this.leafStart[i] = level === 0 ? vpn : Math.floor(vpn / LEAF_SPAN[level]!) * LEAF_SPAN[level]!;
  }

  flushAll(): void {
    this.tag.fill(NaN);
  }

  /**
   * Drop the entries that translate `vpn`: of any context when `asid` is undefined, else only the
   * non-global entries of that ASID (priv spec 4.2.1). Entries of one ASID may sit in several
   * slots (one per root, one per superpage granule), so this scans — one range test an entry
   * (Linux fences single pages about 10,000 times in a boot, so the scan is kept to that).
   */
  flushPage(vpn: number, asid: number | undefined): void {
    const start = this.leafStart;
    for (let i = 0; i < this.size; i++) {
      // The entry covers vpn when vpn falls in the leaf page it came from.
      const first = start[i]!;
      if (!(vpn >= first && vpn < first + LEAF_SPAN[this.level[i]!]!)) continue;
      const tag = this.tag[i]!;
      if (tag !== tag) continue; // empty
      if (asid !== undefined && (tag - Math.floor(tag / CTX_RADIX) * CTX_RADIX === TLB_GLOBAL || this.asid[i] !== asid)) continue;
      this.tag[i] = NaN;
    }
  }

  /** Drop every non-global entry of `asid`. */
  flushAsid(asid: number): void {
    for (let i = 0; i < this.size; i++) {
      const tag = this.tag[i];
      if (tag !== tag || this.asid[i] !== asid) continue;
      if (tag - Math.floor(tag / CTX_RADIX) * CTX_RADIX !== TLB_GLOBAL) this.tag[i] = NaN;
    }
  }
}

/** 4 KiB granules a leaf of each level spans (Sv39/48/57: 1, 512, 512², ...). */
const LEAF_SPAN = [0, 1, 2, 3, 4].map((level) => 2 ** (LEVEL_BITS * level));

/** VPN of a virtual address held as an exact integer number (negative in the upper half). */
export const vpnOf = (va: number): number => Math.floor(va / PAGE_SIZE);
