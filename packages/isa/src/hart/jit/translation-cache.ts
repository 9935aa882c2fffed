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
import type { Code } from './wasm/encoder.js';
import { compileWasmBlock, encodeBlocks, type WasmBlock } from './wasm/wasm-block-compiler.js';
import { HEAT_REPORT } from './wasm/wasm-interpreter.js';
import { WasmRuntime } from './wasm/wasm-runtime.js';

/** A block translated to WebAssembly and waiting for its batch. */
interface Pending {
  readonly block: CompiledBlock;
  readonly page: CodePage;
  readonly pageIndex: number;
  readonly po: number;
  readonly code: Code;
}

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
/**
 * The same for WebAssembly blocks. Heat counts instructions as well as visits: the interpreter in
 * the dispatcher (wasm-interpreter.ts) gathers one for each visit of a head without a block and
 * one per instruction run from it, and reports it here in lumps (lookup). That interpreter runs
 * cold code at 55-200 MIPS where blocks run 260-900, and a block costs ~100 us to make (our code
 * generation, V8's compile and a module's share), so a block pays back once it has run some
 * tens of thousands of instructions. Linux boot (100.0 M instructions), fresh processes: 3,000:
 * 1,253 blocks, 1.37-1.46 s; 10,000: 614, 1.26-1.39 s; 30,000: 269, 1.12-1.47 s; 50,000: 173,
 * 1.04-1.25 s; 65,534: 146, 1.16-1.41 s; U-Boot to its prompt the same way (docs/translator.md).
 */
export const HOT_THRESHOLD_WASM = 50_000;
/** Blocks compiled into one WebAssembly module (a module costs ~0.3 ms to set up, a block ~15 µs more). */
export const BATCH_BLOCKS = 32;
/**
 * Instructions the interpreter runs from the heads of pending blocks (what the batch would have
 * run) after which the batch is compiled however few blocks it holds: what waiting loses is then
 * about what a module costs to set up. Counted in instructions, not lookups (in straight-line
 * code, Linux's unrolled ChaCha and BLAKE2s at boot, the interpreter looks up a block only every
 * few hundred instructions), and only those of pending blocks, not all retired ones: counting
 * every instruction compiled blocks that became hot one at a time in modules of three (Linux
 * boot: 574 modules for 1,827 blocks; a module costs 0.5-1 ms to make on a cold V8).
 */
export const BATCH_DELAY = 50_000;
/** CompiledBlock.wasm of a block waiting for its batch. */
export const WASM_PENDING = -2;
/** Invalidations after which a page is interpreted only (self-modifying code). */
export const SMC_LIMIT = 16;
export const MAX_BLOCKS = 16_384;
export const MAX_SOURCE_CHARS = 32 * 1024 * 1024;

/** Marks a halfword at which no block can start (its first instruction is not translatable). */
const NONE = null;

type Slot = CompiledBlock | typeof NONE | undefined;

/**
 * CodePage.heat of a halfword whose slot in `blocks` is set (a block, pending or not, or NONE):
 * the lookup of a head without one, nearly every lookup in cold code, then reads `heat` alone.
 * Reading `blocks` first cost a cache miss per lookup (a 16 KiB array a page; in a Linux boot,
 * 2.9 M lookups, about 50 ms of the profile on that one load).
 */
const HAS_SLOT = 0xffff;
/** Counted heat stops below HAS_SLOT (and above every threshold used). */
const MAX_HEAT = HAS_SLOT - 1;
/** A threshold heat never reaches: the interpreters run everything (tests, benchmarks). */
export const TRANSLATE_NEVER = HAS_SLOT;

class CodePage {
  /**
   * Indexed by halfword offset in the page; read only where `heat` is HAS_SLOT, made with the
   * page's first slot (a Linux boot looks up heads in 422 pages; 16 KiB each, most never needed).
   */
  blocks: Slot[] | undefined;
  readonly heat = new Uint16Array(2048);

  /** Set halfword `i`'s slot: a block (pending or not) or NONE. */
  setSlot(i: number, slot: CompiledBlock | typeof NONE): void {
    // Filled, so V8 keeps a packed array (a holey one indexed sparsely can turn into a dictionary).
    (this.blocks ??= new Array<Slot>(2048).fill(undefined))[i] = slot;
    this.heat[i] = HAS_SLOT;
  }
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
  /** WebAssembly modules compiled, each one batch of blocks. */
  modules: number;
}

export class TranslationCache {
  /** Indexed by RAM page; preallocated and filled so lookups stay on V8's fast elements. */
  private pages: (CodePage | undefined)[];
  /** Per RAM page: 1 while it has blocks (a code page). */
  private readonly code: Uint8Array;
  /** Per RAM page: invalidations so far, saturating at SMC_LIMIT (then never translated again). */
  private readonly smc: Uint8Array;
  /**
   * RAM shared with harts on other threads (@vm/mmu RamStore.shared): per code page, its words as
   * they were when it became one. Another thread's stores do not come through this cache (its
   * fast path writes the shared memory directly), and RISC-V does not ask that they be seen by
   * this hart's fetches until it executes FENCE.I (unpriv spec ch. 3, Zifencei: "FENCE.I does not
   * ensure that other RISC-V harts' instruction fetches will observe the local hart's stores";
   * Linux follows a remote store to code with a remote FENCE.I, SBI RFENCE). So fenceI() compares
   * each code page with its copy and drops the pages that changed. Undefined on one thread.
   */
  private readonly snapshots: Map<number, Int32Array> | undefined;
  /**
   * Pages given a CodePage since the last flush (may repeat, may since be invalidated): a flush
   * clears these instead of every page of RAM, which a reset of a small guest in a large RAM
   * paid for (and, before Hart.setState stopped flushing, every world switch of the hosted stack:
   * a debugger stepping a hosted guest spent most of its time there).
   */
  private live: number[] = [];
  private readonly harts: TranslatingHart[] = [];
  private pending: Pending[] = [];
  /** Instructions interpreted from pending heads since the batch began (BATCH_DELAY). */
  private waited = 0;
  private readonly hotThreshold: number;
  private readonly batchDelay: number;
  readonly stats: TranslationStats = { blocks: 0, sourceChars: 0, translated: 0, invalidations: 0, flushes: 0, modules: 0 };

  constructor(
    private readonly ram: Ram,
    private readonly cexp: Int32Array,
    /** See HOT_THRESHOLD (tests use a low one so short programs exercise blocks). */
    hotThreshold: number | undefined,
    /** Compile to WebAssembly in this runtime (the RAM's arena); without it, to JavaScript. */
    readonly wasm?: WasmRuntime,
  ) {
    if (hotThreshold !== undefined && !(Number.isInteger(hotThreshold) && hotThreshold >= 1 && hotThreshold <= TRANSLATE_NEVER)) {
      // Heat is counted in 16 bits, below HAS_SLOT (at most MAX_HEAT: TRANSLATE_NEVER is never reached).
      throw new RangeError(`translateThreshold ${hotThreshold}: give a whole number of executions from 1 to ${MAX_HEAT}, or ${TRANSLATE_NEVER} for never`);
    }
    this.hotThreshold = hotThreshold ?? (wasm === undefined ? HOT_THRESHOLD : HOT_THRESHOLD_WASM);
    // A test's low threshold compiles each block at once, so short programs run through blocks.
    this.batchDelay = this.hotThreshold <= 16 ? 0 : BATCH_DELAY;
    const pages = ram.size / 4096;
    this.pages = new Array<CodePage | undefined>(pages).fill(undefined);
    this.code = new Uint8Array(pages);
    this.smc = new Uint8Array(pages);
    this.snapshots = ram.store.shared === undefined ? undefined : new Map();
  }

  attach(h: TranslatingHart): void {
    if (!this.harts.includes(h)) this.harts.push(h);
  }

  /** Its RAM was retired (Ram.retire): drop every block (their table entries are freed) and the harts. */
  retire(): void {
    this.flush();
    this.harts.length = 0;
  }

  /**
   * The block starting at byte `po` of RAM page `pageIndex` (offset from RAM's base / 4096),
   * translating it when it has become hot; undefined when there is none (yet). Each call is a
   * visit of that head: its heat grows by one and by `credit`, what the interpreter in the
   * WebAssembly dispatcher gathered for it in its bucket since it last reported it
   * (wasm-interpreter.ts; JavaScript blocks count visits alone). While the head's block waits for
   * its batch, that goes to the batch's wait (BATCH_DELAY) instead; a compiled one is (re)entered
   * in the jump cache (an entry evicted by another block comes back here).
   */
  lookup(pageIndex: number, po: number, credit = 0): CompiledBlock | undefined {
    const ran = Math.min(credit + 1, MAX_HEAT);
    const p = this.pages[pageIndex];
    const i = po >>> 1;
    if (p !== undefined && p.heat[i] === HAS_SLOT) {
      const b = p.blocks![i] as CompiledBlock | typeof NONE;
      if (b !== NONE && b.wasm === WASM_PENDING) this.waited += ran;
    }
    if (this.pending.length !== 0 && this.waited >= this.batchDelay) this.compilePending();
    if (p !== undefined) {
      const h = p.heat[i]!;
      if (h === HAS_SLOT) {
        const b = p.blocks![i] as CompiledBlock | typeof NONE;
        if (b === NONE || b.wasm === WASM_PENDING) return undefined;
        if (b.wasm >= 0) this.wasm!.jcInsert(this.keyOf(pageIndex, po), b.wasm, b.length);
        return b;
      }
      const heat = Math.min(h + ran, MAX_HEAT);
      if (heat < this.hotThreshold) {
        p.heat[i] = heat;
        return undefined;
      }
    } else {
      const fresh = this.freshPage(pageIndex);
      if (fresh === undefined) return undefined;
      if (ran < this.hotThreshold) {
        fresh.heat[i] = ran;
        return undefined;
      }
    }
    return this.translate(pageIndex, po);
  }

  /**
   * The heat a head's bucket gathers before the interpreter reports it (lookup): HEAT_REPORT, or
   * every visit where blocks are wanted at once (a test's low threshold: no batch delay).
   */
  get heatReport(): number {
    return this.batchDelay === 0 ? 0 : Math.min(HEAT_REPORT, this.hotThreshold);
  }

  /** A CodePage for RAM page `pageIndex`'s first head, or undefined when it is left to the interpreters (SMC_LIMIT). */
  private freshPage(pageIndex: number): CodePage | undefined {
    if (this.smc[pageIndex] === SMC_LIMIT) return undefined;
    const fresh = new CodePage();
    this.pages[pageIndex] = fresh;
    this.live.push(pageIndex);
    return fresh;
  }

  private translate(pageIndex: number, po: number): CompiledBlock | undefined {
    const page = this.pages[pageIndex]!;
    // The page was fetched through a hart's fetch cache, so its chunk is committed.
    const ram = this.ram;
    const c = ram.pageChunk(pageIndex, true);
    const view = ram.store.views[c]!;
    const off = ram.pageOffset(pageIndex) + po;
    // The copy first: any store from another thread after it, even one the compile below reads,
    // makes the page differ from it at this hart's next FENCE.I (fenceI).
    if (this.snapshots !== undefined && this.code[pageIndex] === 0) this.snapshots.set(pageIndex, this.pageWords(pageIndex).slice());
    let b: CompiledBlock | undefined;
    let wb: WasmBlock | undefined;
    if (this.wasm === undefined) {
      b = compileBlock(view, this.cexp, off);
    } else {
      wb = compileWasmBlock(view, this.cexp, off, this.wasm.chainInfo(ram.storeOffset + pageIndex * 4096), this.wasm.shared);
      if (wb !== undefined) b = { run: undefined, wasm: WASM_PENDING, length: wb.length, bytes: wb.byteLength, sourceChars: wb.code.bytes.length, endsInJump: wb.endsInJump };
    }
    if (b === undefined) {
      page.setSlot(po >>> 1, NONE);
      if (this.code[pageIndex] === 0) this.snapshots?.delete(pageIndex);
      return undefined;
    }
    if (this.stats.blocks >= MAX_BLOCKS || this.stats.sourceChars + b.sourceChars > MAX_SOURCE_CHARS) {
      this.flush();
      return undefined;
    }
    page.setSlot(po >>> 1, b);
    this.stats.blocks++;
    this.stats.sourceChars += b.sourceChars;
    this.stats.translated++;
    if (this.code[pageIndex] === 0) {
      this.code[pageIndex] = 1;
      for (const h of this.harts) h.flushStoreCaches();
    }
    if (wb !== undefined) {
      // Its page is a code page from now on, so a store into it drops it before it is compiled.
      if (this.pending.length === 0) this.waited = 0;
      this.pending.push({ block: b, page, pageIndex, po, code: wb.code });
      if (this.pending.length >= BATCH_BLOCKS || this.waited >= this.batchDelay) this.compilePending();
      return b.wasm >= 0 ? b : undefined;
    }
    return b;
  }

  /**
   * Compile the pending blocks that are still current (not dropped since) as one module, now
   * rather than when their batch is full or has waited BATCH_DELAY (the warm-up program does, so
   * that its one hot loop runs as a block before it ends).
   */
  compilePending(): void {
    const live = this.pending.filter((q) => this.pages[q.pageIndex] === q.page && q.page.blocks?.[q.po >>> 1] === q.block);
    this.pending = [];
    if (live.length === 0) return;
    const wasm = this.wasm!;
    const indices = wasm.install(encodeBlocks(live.map((q) => q.code), wasm.shared), live.length);
    this.stats.modules++;
    live.forEach((q, n) => {
      q.block.wasm = indices[n]!;
      wasm.jcInsert(this.keyOf(q.pageIndex, q.po), q.block.wasm, q.block.length);
    });
  }

  /** The jump-cache key of the block at byte `po` of RAM page `pageIndex` (see WasmRuntime.key). */
  private keyOf(pageIndex: number, po: number): number {
    return WasmRuntime.key(this.ram.storeOffset + pageIndex * 4096 + po);
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

  /**
   * FENCE.I on a hart of this RAM: with RAM shared between threads, drop the code pages that
   * another thread (or a device on the main thread) wrote since they became code (see
   * `snapshots`); on one thread every store is seen as it happens (noteWrite, the harts' store
   * caches), so there is nothing to do.
   */
  fenceI(): void {
    const snaps = this.snapshots;
    if (snaps === undefined) return;
    for (const [p, snap] of snaps) {
      const now = this.pageWords(p);
      for (let i = 0; i < 1024; i++) {
        if (now[i] !== snap[i]) {
          this.invalidatePage(p);
          break;
        }
      }
    }
  }

  /** RAM page `p` as 1024 words (a view of its chunk). */
  private pageWords(p: number): Int32Array {
    const ram = this.ram;
    const c = ram.pageChunk(p, true);
    return ram.store.int32(c).subarray(ram.pageOffset(p) >> 2, (ram.pageOffset(p) >> 2) + 1024);
  }

  invalidatePage(p: number): void {
    const page = this.pages[p];
    this.code[p] = 0;
    this.snapshots?.delete(p);
    if (page === undefined) return;
    page.blocks?.forEach((b, i) => {
      if (b) {
        this.stats.blocks--;
        this.stats.sourceChars -= b.sourceChars;
        if (b.wasm >= 0) {
          this.wasm!.jcDrop(this.keyOf(p, i * 2));
          this.wasm!.release(b.wasm);
        }
      }
    });
    this.pages[p] = undefined;
    this.stats.invalidations++;
    if (this.smc[p]! < SMC_LIMIT) this.smc[p]!++;
  }

  /** Drop every translation (cache full, snapshot restored, reset). */
  flush(): void {
    const wasm = this.wasm;
    if (wasm !== undefined) {
      if (this.stats.blocks > 0) wasm.jcClear();
      this.pending = [];
    }
    const drop = (p: number): void => {
      const page = this.pages[p];
      if (wasm !== undefined && page?.blocks !== undefined) for (const b of page.blocks) if (b && b.wasm >= 0) wasm.release(b.wasm);
      this.pages[p] = undefined;
      this.code[p] = 0;
    };
    if (this.live.length >= this.code.length) {
      for (let p = 0; p < this.pages.length; p++) if (this.pages[p] !== undefined) drop(p);
      this.code.fill(0);
    } else {
      for (const p of this.live) drop(p);
    }
    this.live = [];
    this.snapshots?.clear();
    this.stats.blocks = 0;
    this.stats.sourceChars = 0;
    this.stats.flushes++;
  }
}
