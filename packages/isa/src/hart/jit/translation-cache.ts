/**
 * Translated blocks of one RAM, keyed by physical address (RAM page index and offset), shared by every hart
 * on that RAM. Blocks do not depend on the translation regime (see block-compiler.ts), so the
 * physical address is the whole key.
 *
 * Invalidation is page-granular and exact: a page that holds translated code is a "code page";
 * no hart may hold a cached store translation for it (marking a page flushes every attached
 * hart's store caches), so the first store into it takes the hart's slow path, which tells the
 * cache before writing. Writes that do not go through a hart — DMA by devices (Ram's write
 * watcher), the bus (page-table A/D updates), loaders — are reported the same way. The page's
 * blocks are dropped; the next execution translates again. A page invalidated over and over
 * (code that rewrites itself in a loop) is left to the interpreter from then on.
 *
 * Bounded: at most MAX_BLOCKS blocks and MAX_SOURCE_CHARS of generated source; when either is
 * reached everything is dropped at once (as QEMU's tb_flush does when its buffer fills).
 */
import type { Ram } from '@vm/mmu';
import { compileBlock } from './block-compiler.js';
import type { CompiledBlock } from './block-compiler.js';

/**
 * Times a block head is reached before it is translated: cold code stays interpreted. Translating
 * costs ~0.5 ms a block (V8 parses and compiles the function on its first call) — what the
 * interpreter needs for ~10k instructions — and a short block entered from the dispatcher costs
 * more per instruction than the interpreter does, so only code that is hot for long pays back:
 * with 2 the Linux boot took 4x the interpreter's time (29k blocks); with 4000, 1.5x, and Debian's
 * bzip2 1.4-1.8x; with 50,000 both run as fast as the interpreter or faster while the `cpu`
 * workload keeps its 2x gain (packages/machine/bench/boot.ts, docs/translator.md).
 */
export const HOT_THRESHOLD = 50_000;
/** Invalidations after which a page is interpreted only (self-modifying code). */
export const SMC_LIMIT = 16;
export const MAX_BLOCKS = 16_384;
export const MAX_SOURCE_CHARS = 32 * 1024 * 1024;

/** Marks a halfword at which no block can start (its first instruction is not translatable). */
const NONE = null;

type Slot = CompiledBlock | typeof NONE | undefined;

class CodePage {
  /** Indexed by halfword offset in the page. */
  // Filled, so V8 keeps a packed array (a holey one indexed sparsely can turn into a dictionary).
  readonly blocks: Slot[] = new Array<Slot>(2048).fill(undefined);
  readonly heat = new Uint16Array(2048); // saturates below 65536 > any threshold used
}

/** What the cache needs from each hart on its RAM. */
export interface TranslatingHart {
  /** Drop every cached store translation (a page became code). */
  flushStoreCaches(): void;
}

export interface TranslationStats {
  blocks: number;
  sourceChars: number;
  translated: number;
  invalidations: number;
  flushes: number;
}

export class TranslationCache {
  /** Indexed by RAM page; preallocated and filled so lookups stay on V8's fast elements. */
  private pages: (CodePage | undefined)[];
  /** Per RAM page: 1 while it has blocks (a code page). */
  private readonly code: Uint8Array;
  /** Per RAM page: invalidations so far, saturating at SMC_LIMIT (then never translated again). */
  private readonly smc: Uint8Array;
  /**
   * Pages given a CodePage since the last flush (may repeat, may since be invalidated): a flush
   * clears these instead of every page of RAM. The hosted stack's world switch restores the hart
   * (setState, which flushes) on every KVM_RUN: a debugger stepping its guest one instruction at a
   * time would otherwise spend most of its time clearing two arrays as long as RAM's pages.
   */
  private live: number[] = [];
  private readonly harts: TranslatingHart[] = [];
  readonly stats: TranslationStats = { blocks: 0, sourceChars: 0, translated: 0, invalidations: 0, flushes: 0 };

  constructor(
    private readonly ram: Ram,
    private readonly cexp: Int32Array,
    /** See HOT_THRESHOLD (tests use a low one so short programs exercise blocks). */
    private readonly hotThreshold = HOT_THRESHOLD,
  ) {
    const pages = ram.size / 4096;
    this.pages = new Array<CodePage | undefined>(pages).fill(undefined);
    this.code = new Uint8Array(pages);
    this.smc = new Uint8Array(pages);
  }

  attach(h: TranslatingHart): void {
    if (!this.harts.includes(h)) this.harts.push(h);
  }

  /**
   * The block starting at byte `po` of RAM page `pageIndex` (offset from RAM's base / 4096),
   * translating it when it has become hot; undefined when there is none (yet).
   */
  lookup(pageIndex: number, po: number): CompiledBlock | undefined {
    const p = this.pages[pageIndex];
    const i = po >>> 1;
    if (p !== undefined) {
      const b = p.blocks[i];
      if (b !== undefined) return b ?? undefined;
      if (++p.heat[i]! < this.hotThreshold) return undefined;
    } else {
      if (this.smc[pageIndex] === SMC_LIMIT) return undefined;
      const fresh = new CodePage();
      this.pages[pageIndex] = fresh;
      this.live.push(pageIndex);
      fresh.heat[i] = 1;
      if (this.hotThreshold > 1) return undefined;
    }
    return this.translate(pageIndex, po);
  }

  private translate(pageIndex: number, po: number): CompiledBlock | undefined {
    const page = this.pages[pageIndex]!;
    // The page was fetched through a hart's fetch cache, so its chunk is committed.
    const ram = this.ram;
    const c = ram.pageChunk(pageIndex, true);
    const b = compileBlock(ram.store.views[c]!, this.cexp, ram.pageOffset(pageIndex) + po);
    page.blocks[po >>> 1] = b ?? NONE;
    if (b === undefined) return undefined;
    if (this.stats.blocks >= MAX_BLOCKS || this.stats.sourceChars + b.sourceChars > MAX_SOURCE_CHARS) {
      this.flush();
      return undefined;
    }
    this.stats.blocks++;
    this.stats.sourceChars += b.sourceChars;
    this.stats.translated++;
    if (this.code[pageIndex] === 0) {
      this.code[pageIndex] = 1;
      for (const h of this.harts) h.flushStoreCaches();
    }
    return b;
  }

  /** Bytes [offset, offset + length) of RAM are about to change (or may, through a live view). */
  noteWrite(offset: number, length: number): void {
    if (length <= 0) return;
    const first = Math.floor(offset / 4096);
    const last = Math.min(Math.floor((offset + length - 1) / 4096), this.code.length - 1);
    for (let p = first; p <= last; p++) if (this.code[p] === 1) this.invalidatePage(p);
  }

  /** Whether RAM page `p` currently holds translated code. */
  isCodePage(p: number): boolean {
    return this.code[p] === 1;
  }

  invalidatePage(p: number): void {
    const page = this.pages[p];
    this.code[p] = 0;
    if (page === undefined) return;
    for (const b of page.blocks) {
      if (b) {
        this.stats.blocks--;
        this.stats.sourceChars -= b.sourceChars;
      }
    }
    this.pages[p] = undefined;
    this.stats.invalidations++;
    if (this.smc[p]! < SMC_LIMIT) this.smc[p]!++;
  }

  /** Drop every translation (cache full, snapshot restored, reset). */
  flush(): void {
    if (this.live.length >= this.code.length) {
      this.pages.fill(undefined);
      this.code.fill(0);
    } else {
      for (const p of this.live) {
        this.pages[p] = undefined;
        this.code[p] = 0;
      }
    }
    this.live = [];
    this.stats.blocks = 0;
    this.stats.sourceChars = 0;
    this.stats.flushes++;
  }
}
