/**
 * Where the WebAssembly translator finds a hart's state: guest RAM lives in one WebAssembly.Memory
 * (@vm/mmu RamStore.arena), and behind it, in the arena's tail, each translating hart has a slot
 * of SLOT_BYTES holding what translated code reads and writes — the integer registers (the hart's
 * own `x` array is a view of them), the pc, and its three page caches (PageCache keeps its arrays
 * here, so the cache the interpreter fills is the one compiled code reads) — and all harts share
 * one jump cache, physical address → compiled block, as QEMU's tb_jmp_cache.
 */

/** Slots in an arena's tail (harts of one RAM that translate at the same time). */
export const SLOTS = 64;

/** x1..x31 as i64 at 8·r (x0 reads as zero; blocks never write it). */
export const ST_X = 0;
/** The pc (i64): read by blocks at entry, written at every exit. */
export const ST_PC = 256;
/** Instructions the dispatcher retired so far in this call (read when a block's access faults). */
export const ST_TOTAL = 264;
/** Why the dispatcher returned: WHY_MISS, WHY_STOP, WHY_YIELD or WHY_HOT. */
export const ST_WHY = 268;
/** Why the interpreter (wasm-interpreter.ts) stopped, for the dispatcher: a WHY_* code. */
export const ST_IWHY = 272;
/** With WHY_HOT: the heat the head's bucket had gathered (what TranslationCache.lookup credits). */
export const ST_CREDIT = 276;
/** Where the interpreter writes a result for rd = x0 (x0 itself stays zero). */
export const ST_DUMP = 280;
/** Heat a head's bucket gathers before the interpreter reports it (TranslationCache.heatReport). */
export const ST_REPORT = 288;
/**
 * The page caches' tag (PageCache.tagWord: the translation regime, shifted left by one): the low 12
 * bits of every entry's tagLo, so each lookup compares `(va & -4096) | tag` and entries of
 * another regime (U and S across a syscall) stay in place but never match.
 */
export const ST_CTAG = 292;
/**
 * Where the hart's lane (jump cache, heat buckets, compressed expansions) starts in the arena:
 * the dispatcher and the interpreter read it here rather than as a constant, so their module's
 * bytes are the same for every RAM size, and V8 compiles (and optimizes) it once per process —
 * the warm-up's code serves the guest's board, and a VM's (WasmRuntime.allocSlot writes it).
 */
export const ST_LANE = 296;
/** f0..f31 as i64/f64 (the hart's own `f` is a view of them; FpRegisters). */
export const ST_F = 512;
/** fcsr.fflags and fcsr.frm (i32 each), then 1 when blocks may run FP inline (FpRegisters.inline). */
export const ST_FFLAGS = 768;
export const ST_FRM = 772;
export const ST_FP_INLINE = 776;
/**
 * Entries of each page cache (PageCache: direct-mapped by the virtual page number's low bits). A
 * power of two; its mask is PAGE_CACHE_ENTRIES - 1 wherever compiled code looks an entry up.
 */
export const PAGE_CACHE_ENTRIES = 256;
/** Inside a page cache region: five Int32Arrays of PAGE_CACHE_ENTRIES (see PageCache). */
export const PC_TAG_HI = 0;
export const PC_TAG_LO = 4 * PAGE_CACHE_ENTRIES;
export const PC_OFF = 8 * PAGE_CACHE_ENTRIES;
export const PC_PAGE = 12 * PAGE_CACHE_ENTRIES;
/** The page's offset in the arena (= its offset in the RAM store). */
export const PC_MEM = 16 * PAGE_CACHE_ENTRIES;
export const PAGE_CACHE_BYTES = 20 * PAGE_CACHE_ENTRIES;

/** The fetch, load and store page caches (PAGE_CACHE_BYTES each). */
export const ST_FETCH = 1024;
export const ST_LOAD = ST_FETCH + PAGE_CACHE_BYTES;
export const ST_STORE = ST_LOAD + PAGE_CACHE_BYTES;

/** Bytes of one hart's slot: the state above, then its three page caches. */
export const SLOT_BYTES = ST_STORE + PAGE_CACHE_BYTES;

/** BlockHart.jitLoadPage / jitStorePage and the miss helpers (ldmiss, stmiss): the access faulted (the trap is pending). */
export const MISS_FAULT = -1;
/**
 * The same: not a cached RAM page (MMIO, across a page, a store into a code page). Blocks leave
 * before the access; the interpreter in WebAssembly runs it through `exec` (the hart's own paths).
 */
export const MISS_SLOW = -2;

/** The dispatcher found no block at pc in the jump cache (or no fetch translation): JS looks it up. */
export const WHY_MISS = 1;
/** A block left an instruction to the interpreter, or the budget no longer covers the next block. */
export const WHY_STOP = 2;
/**
 * A block ran an instruction through the hart (its `exec` import: a CSR access, an AMO, an xRET)
 * after which blocks must not go on: an interrupt may be takeable, or the fetch regime changed.
 * The pc is the next instruction's; JavaScript checks attention and dispatches again.
 */
export const WHY_YIELD = 3;
/**
 * The interpreter reached a block head whose heat bucket is full (ST_REPORT): the pc is the
 * head's, ST_CREDIT the bucket's heat; JavaScript credits it to the head (TranslationCache.lookup),
 * which may translate it, and dispatches again.
 */
export const WHY_HOT = 4;

/** Jump cache: entries of 16 bytes [key, table index, length, 0]; key = store offset + 1 (odd, never 0). */
export const JC_ENTRIES = 32768;
export const JC_BYTES = JC_ENTRIES * 16;

/** Jump-cache key of the block starting at store offset `at` (odd, so 0 is never a key). */
export function jcKey(at: number): number {
  return (at + 1) | 0;
}

/**
 * Heat buckets of the interpreter (wasm-interpreter.ts): 64 Ki u16 counters, hashed from a head's
 * store offset, that gather visits and instructions run from heads without a block; a bucket that
 * reaches the slot's ST_REPORT is handed to JavaScript (WHY_HOT) and starts again from 0.
 */
export const HEAT_BUCKETS = 65536;
export const HEAT_BYTES = HEAT_BUCKETS * 2;
/** The expansions of compressed parcels the interpreter reads (compressed.ts's table, in the arena). */
export const CEXP_BYTES = 65536 * 4;
/** Bytes of one lane: its jump cache, heat buckets and table of compressed expansions, in that order. */
export const LANE_BYTES = JC_BYTES + HEAT_BYTES + CEXP_BYTES;
export const LANE_HEAT = JC_BYTES;
export const LANE_CEXP = JC_BYTES + HEAT_BYTES;

/** Bytes an arena tail needs: the slots, then one lane. */
export const TAIL_BYTES = SLOTS * SLOT_BYTES + LANE_BYTES;

/**
 * Bytes the tail of a shared arena needs for `lanes` threads that translate (@vm/mmu
 * RamStore.shared): block indices are per thread (each has its own function table), so each lane
 * has its own jump cache (and heat buckets and expansions), after the slots (lane i's at
 * SLOTS · SLOT_BYTES + i · LANE_BYTES); the hart of lane i has slot i.
 */
export function arenaTailBytes(lanes: number): number {
  return SLOTS * SLOT_BYTES + Math.max(lanes, 1) * LANE_BYTES;
}
