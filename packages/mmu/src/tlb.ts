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

  /**
   * What flushPage needs to find an address's entries without a scan, since the last flushAll:
   * the index salts entries were filled under (0 for globals: their index is the VPN alone), and
   * the superpage leaves any entry came from (first VPN × 8 + level). null: too many salts to try
   * each (more than MAX_SALTS address spaces), so flushPage scans.
   */
  private salts: number[] | null = [];
  private readonly superpages = new Set<number>();

  /**
   * Superpage leaves walked since the last flush, one entry per leaf (the granule entries above
   * hold one 4 KiB page each): on a miss, `superpage` gives a granule of a cached leaf without a
   * walk. A Linux boot's walks were 90 % granules of the kernel's 2 MiB pages (42,900 of 47,500).
   * Entry: first VPN, level (0: empty), context (or TLB_GLOBAL), ASID, the leaf's PTE flags, and
   * the physical address of its first page.
   */
  private readonly spStart = new Float64Array(SUPERPAGE_ENTRIES);
  private readonly spLevel = new Uint8Array(SUPERPAGE_ENTRIES);
  private readonly spCtx = new Int32Array(SUPERPAGE_ENTRIES);
  private readonly spAsid = new Int32Array(SUPERPAGE_ENTRIES);
  private readonly spFlags = new Int32Array(SUPERPAGE_ENTRIES);
  private readonly spBase = new Float64Array(SUPERPAGE_ENTRIES);
  /** With a page from `superpage`: the leaf's PTE flags, level, and whether it is global. */
  spHitFlags = 0;
  spHitLevel = 0;
  spHitGlobal = false;

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
    const s = ctx === TLB_GLOBAL ? 0 : salt & this.mask;
    const i = (vpn ^ s) & this.mask;
    this.tag[i] = vpn * CTX_RADIX + ctx;
    this.allow[i] = allow;
    this.page[i] = page;
    this.asid[i] = asid;
    this.level[i] = level;
    const start = level === 0 ? vpn : Math.floor(vpn / LEAF_SPAN[level]!) * LEAF_SPAN[level]!;
    this.leafStart[i] = start;
    const salts = this.salts;
    if (salts !== null && !salts.includes(s)) this.salts = salts.length < MAX_SALTS ? [...salts, s] : null;
    if (level !== 0) this.superpages.add(start * 8 + level);
  }

  flushAll(): void {
    this.tag.fill(NaN);
    this.salts = [];
    this.superpages.clear();
    this.spLevel.fill(0);
  }

  /**
   * The physical page of `vpn`'s granule in a cached superpage leaf of context `ctx` (or a global
   * one), with its flags in spHitFlags / spHitLevel / spHitGlobal; -1 when none is cached.
   */
  superpage(vpn: number, ctx: number): number {
    for (let level = 1; level < LEAF_SPAN.length; level++) {
      const span = LEAF_SPAN[level]!;
      const start = Math.floor(vpn / span) * span;
      const i = spIndex(start, level);
      if (this.spLevel[i] !== level || this.spStart[i] !== start) continue;
      const c = this.spCtx[i]!;
      if (c !== ctx && c !== TLB_GLOBAL) continue;
      this.spHitFlags = this.spFlags[i]!;
      this.spHitLevel = level;
      this.spHitGlobal = c === TLB_GLOBAL;
      return this.spBase[i]! + (vpn - start) * PAGE_SIZE;
    }
    return -1;
  }

  /** Remember the superpage leaf (level ≥ 1, PTE `flags`) a walk of `vpn` found, `page` being vpn's granule. */
  insertSuperpage(vpn: number, level: number, ctx: number, asid: number, flags: number, page: number): void {
    const span = LEAF_SPAN[level]!;
    const start = Math.floor(vpn / span) * span;
    const i = spIndex(start, level);
    this.spStart[i] = start;
    this.spLevel[i] = level;
    this.spCtx[i] = ctx;
    this.spAsid[i] = asid;
    this.spFlags[i] = flags;
    this.spBase[i] = page - (vpn - start) * PAGE_SIZE;
    this.superpages.add(start * 8 + level);
  }

  /** Drop the cached superpage leaves flushPage / flushAsid name (asid as theirs; vpn undefined: any address). */
  private dropSuperpages(vpn: number | undefined, asid: number | undefined): void {
    for (let i = 0; i < SUPERPAGE_ENTRIES; i++) {
      const level = this.spLevel[i]!;
      if (level === 0) continue;
      const start = this.spStart[i]!;
      if (vpn !== undefined && !(vpn >= start && vpn < start + LEAF_SPAN[level]!)) continue;
      if (asid !== undefined && (this.spCtx[i] === TLB_GLOBAL || this.spAsid[i] !== asid)) continue;
      this.spLevel[i] = 0;
    }
  }

  /**
   * Drop the entries that translate `vpn`: of any context when `asid` is undefined, else only the
   * non-global entries of that ASID (priv spec 4.2.1). Entries of one ASID may sit in several
   * slots (one per root, one per superpage granule). When no superpage leaf cached since the last
   * flushAll contains vpn, only 4 KiB entries can translate it, and each sits at vpn's index under
   * one of the salts used: those slots are tried. Otherwise every entry is (Linux fences single
   * pages about 10,000 times in a boot, nearly all of them outside the kernel's superpages; a scan
   * of the 1,024 entries each time cost ~20 ms of it).
   */
  flushPage(vpn: number, asid: number | undefined): void {
    const salts = this.salts;
    let scan = salts === null;
    for (let level = 1; level < LEAF_SPAN.length && !scan; level++) {
      const span = LEAF_SPAN[level]!;
      scan = this.superpages.has(Math.floor(vpn / span) * span * 8 + level);
    }
    if (!scan) {
      for (const s of salts!) this.drop((vpn ^ s) & this.mask, vpn, asid);
      return;
    }
    for (let i = 0; i < this.size; i++) this.drop(i, vpn, asid);
    this.dropSuperpages(vpn, asid);
  }

  /** flushPage's test of entry i: dropped when it covers vpn (vpn falls in the leaf it came from) in a context the fence names. */
  private drop(i: number, vpn: number, asid: number | undefined): void {
    const first = this.leafStart[i]!;
    if (!(vpn >= first && vpn < first + LEAF_SPAN[this.level[i]!]!)) return;
    const tag = this.tag[i]!;
    if (tag !== tag) return; // empty
    if (asid !== undefined && (tag - Math.floor(tag / CTX_RADIX) * CTX_RADIX === TLB_GLOBAL || this.asid[i] !== asid)) return;
    this.tag[i] = NaN;
  }

  /** Drop every non-global entry of `asid`. */
  flushAsid(asid: number): void {
    this.dropSuperpages(undefined, asid);
    for (let i = 0; i < this.size; i++) {
      const tag = this.tag[i];
      if (tag !== tag || this.asid[i] !== asid) continue;
      if (tag - Math.floor(tag / CTX_RADIX) * CTX_RADIX !== TLB_GLOBAL) this.tag[i] = NaN;
    }
  }
}

/** Superpage leaves the TLB keeps (Tlb.superpage). */
const SUPERPAGE_ENTRIES = 64;

/** Slot of the superpage leaf of `level` starting at VPN `start`. */
const spIndex = (start: number, level: number): number => ((start / LEAF_SPAN[level]!) ^ (level * 0x15)) & (SUPERPAGE_ENTRIES - 1);

/** Salts flushPage tries before it scans instead (address spaces with entries since the last flushAll). */
const MAX_SALTS = 32;

/** 4 KiB granules a leaf of each level spans (Sv39/48/57: 1, 512, 512², ...). */
const LEAF_SPAN = [0, 1, 2, 3, 4].map((level) => 2 ** (LEVEL_BITS * level));

/** VPN of a virtual address held as an exact integer number (negative in the upper half). */
export const vpnOf = (va: number): number => Math.floor(va / PAGE_SIZE);
