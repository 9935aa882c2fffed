import { PAGE_CACHE_ENTRIES } from './jit/wasm/layout.js';

/**
 * A direct-mapped cache of VA page → the RAM page holding it, for one kind of access (fetch, load
 * or store) under one translation state — the hart's private "TLB" in front of the Mmu, holding
 * only pages that are RAM and uniformly permitted by PMP. Guest RAM is kept in chunks (@vm/mmu
 * RAM_CHUNK_SIZE), so an entry holds the chunk's views and the page's offset in it, plus the
 * page's index in RAM (the translator's key). Keys are the virtual page as int32 halves (hi word,
 * lo word with the low 12 bits cleared) and, in those 12 bits, `tagWord`: the regime (privilege,
 * MPRV's, MXR, V ...) it was filled under, so that a change of regime — Linux enters and leaves
 * U-mode at every syscall — only changes the tag, and the other regime's entries are there again
 * when it comes back, where they were emptied at each change before. Cleared by writing a low
 * word that no key can have (odd: tags are even).
 */
const SIZE = PAGE_CACHE_ENTRIES;
/** Superpages dropCovering tells apart before it tests every entry at each fence. */
const MAX_SUPERPAGES = 16;
const EMPTY = 1;
const NO_VIEW: DataView = new DataView(new ArrayBuffer(0));
const NO_BYTES: Uint8Array = new Uint8Array(0);

export class PageCache {
  private readonly tagHi: Int32Array;
  private readonly tagLo: Int32Array;
  /** Per entry: the page's byte offset in its chunk. */
  readonly off: Int32Array;
  /** Per entry: the page's index in RAM (offset from RAM's base / 4096). */
  readonly page: Int32Array;
  /** Per entry: the page's offset in the chunk's buffer (the arena offset when RAM has an arena). */
  readonly mem: Int32Array;
  /**
   * Per entry: log2 of the bytes the leaf PTE it came from maps (12 for a 4 KiB page, 21, 30, ...;
   * 64: unknown, dropped by every fence). Kept here only (compiled code never reads it).
   */
  readonly shift = new Uint8Array(SIZE);
  /** Per entry: 1 when it was filled while mstatus.SUM allowed S-mode access to U pages. */
  readonly sumFilled = new Uint8Array(SIZE);
  /** Per entry: the chunk's views. */
  readonly views: DataView[] = new Array<DataView>(SIZE).fill(NO_VIEW);
  readonly bytes: Uint8Array[] = new Array<Uint8Array>(SIZE).fill(NO_BYTES);

  /**
   * The superpage leaves entries came from since the last clear, as [hi, lo, shift] triples (an
   * address in the leaf): a fence of an address in none of them can only hit the 4 KiB entry at
   * that address's own slot (dropCovering). anyLeaf instead: too many to list, or an entry of
   * unknown leaf size (two-stage translation), so a fence tests every entry.
   */
  private readonly superpages: number[] = [];
  private anyLeaf = false;

  /**
   * `at`: keep the arrays in `at.buffer` from byte `at.offset` (PAGE_CACHE_BYTES: tagHi, tagLo, off,
   * page, mem), where translated WebAssembly code reads them (jit/wasm/layout.ts). `tagWord`: the
   * regime's tag, even and below 4096, that entries are filled and looked up under — one word
   * that the hart's three caches share and, in its slot (ST_CTAG), compiled code reads too.
   */
  constructor(
    at?: { readonly buffer: ArrayBuffer; readonly offset: number },
    readonly tagWord: Int32Array = new Int32Array(1),
  ) {
    const arr = (i: number): Int32Array => (at === undefined ? new Int32Array(SIZE) : new Int32Array(at.buffer, at.offset + i * 4 * SIZE, SIZE));
    this.tagHi = arr(0);
    this.tagLo = arr(1).fill(EMPTY);
    this.off = arr(2);
    this.page = arr(3);
    this.mem = arr(4);
  }

  /** The entry for the page containing (hi:lo) under the current tag, or -1. */
  lookup(lo: number, hi: number): number {
    const i = (lo >>> 12) & (SIZE - 1);
    return this.tagLo[i] === ((lo & ~0xfff) | this.tagWord[0]!) && this.tagHi[i] === hi ? i : -1;
  }

  /** `level`: the leaf's (Mmu.lastLevel: 0 = 4 KiB, 1 = 2 MiB, ...; LEVEL_UNKNOWN or above 5: unknown). */
  insert(lo: number, hi: number, offset: number, page: number, view: DataView, bytes: Uint8Array, level = 0, sumFilled = false): void {
    const i = (lo >>> 12) & (SIZE - 1);
    const shift = level > 5 ? 64 : 12 + 9 * level;
    this.shift[i] = shift;
    if (shift !== 12 && !this.anyLeaf && !this.inSuperpage(lo, hi, shift)) {
      const sp = this.superpages;
      if (shift >= 64 || sp.length >= 3 * MAX_SUPERPAGES) this.anyLeaf = true;
      else sp.push(hi, lo, shift);
    }
    this.sumFilled[i] = sumFilled ? 1 : 0;
    this.tagLo[i] = (lo & ~0xfff) | this.tagWord[0]!;
    this.tagHi[i] = hi;
    this.off[i] = offset;
    this.page[i] = page;
    this.mem[i] = view.byteOffset + offset;
    this.views[i] = view;
    this.bytes[i] = bytes;
  }

  clear(): void {
    this.tagLo.fill(EMPTY);
    this.superpages.length = 0;
    this.anyLeaf = false;
  }

  /** Whether (hi:lo) lies in one of the superpages listed (of that size only, when `only` is given). */
  private inSuperpage(lo: number, hi: number, only?: number): boolean {
    const sp = this.superpages;
    for (let k = 0; k < sp.length; k += 3) {
      const s = sp[k + 2]!;
      if ((only === undefined || s === only) && inLeaf(sp[k]!, sp[k + 1]!, s, lo, hi)) return true;
    }
    return false;
  }

  /** Drop the entries filled while mstatus.SUM was set (it has been cleared: Hart.rederive). */
  dropSumFilled(): void {
    const tagLo = this.tagLo;
    const sum = this.sumFilled;
    for (let i = 0; i < SIZE; i++) {
      if (sum[i] !== 0) {
        tagLo[i] = EMPTY;
        sum[i] = 0;
      }
    }
  }

  /**
   * Drop the entries whose leaf maps (hi:lo): SFENCE.VMA of one address (priv spec 4.2.1: it
   * invalidates the cached leaf entries that correspond to that address). An entry of a 4 KiB leaf
   * goes only when it is that page; one of a superpage, when the address is in the superpage.
   */
  dropCovering(lo: number, hi: number): void {
    const tagLo = this.tagLo;
    const tagHi = this.tagHi;
    const shift = this.shift;
    if (!this.anyLeaf && !this.inSuperpage(lo, hi)) {
      // Only a 4 KiB entry of this very page can cover it, at its own slot (Linux's ~10,000
      // single-page fences in a boot are of vmalloc and user pages, outside the kernel's superpages).
      const i = (lo >>> 12) & (SIZE - 1);
      if (shift[i] === 12 && tagHi[i] === hi && ((tagLo[i]! ^ lo) >>> 12) === 0) tagLo[i] = EMPTY;
      return;
    }
    for (let i = 0; i < SIZE; i++) {
      const s = shift[i]!;
      if (s >= 64 || inLeaf(tagHi[i]!, tagLo[i]!, s, lo, hi)) tagLo[i] = EMPTY;
    }
  }
}

export { NO_VIEW, NO_BYTES };

/** Whether (hi:lo) lies in the 2^shift-byte leaf (12 <= shift < 64) that holds (leafHi:leafLo). */
function inLeaf(leafHi: number, leafLo: number, shift: number, lo: number, hi: number): boolean {
  return shift < 32 ? leafHi === hi && ((leafLo ^ lo) >>> shift) === 0 : ((leafHi ^ hi) >>> (shift - 32)) === 0;
}
