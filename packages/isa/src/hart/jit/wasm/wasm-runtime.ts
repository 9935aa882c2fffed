/**
 * The WebAssembly translator's runtime for one RAM store (one arena): the function table that
 * holds compiled blocks, the jump cache, the harts' slots, and the dispatcher — a small hand-built
 * WebAssembly function that runs block after block without returning to JavaScript while the
 * next block is in the jump cache and the budget covers it. A JavaScript call site that reached
 * hundreds of block functions cost tens of nanoseconds a call (megamorphic; docs/translator.md);
 * here JavaScript makes one monomorphic call into the dispatcher and blocks are entered through
 * `call_indirect`, a few nanoseconds each.
 *
 * Exactness is the JavaScript back end's (block-compiler.ts): blocks are entered only where the
 * JavaScript dispatcher would enter them, with nothing able to change `attention` in between
 * (no CSR access, MMIO or board step happens inside a block or the dispatcher), and a block of n
 * instructions only with at least n budget left. The fetch translation is the hart's own fetch
 * page cache (in the slot), filled and cleared by the interpreter, so a block runs only where
 * the current regime may execute its page.
 */
import { type RamStore, type WasmTable, ARENA_TAIL_BYTES, wasmApi } from '@vm/mmu';
import { Code, encodeModule, I32, Labels, Op } from './encoder.js';
import {
  JC_ENTRIES, jcKey, LANE_BYTES, LANE_CEXP, MISS_SLOW, PC_MEM, PC_TAG_HI, PC_TAG_LO, SLOT_BYTES, SLOTS, ST_FETCH,
  ST_IWHY, ST_LANE, ST_PC, ST_TOTAL, ST_WHY, TAIL_BYTES, WHY_MISS, WHY_STOP, WHY_YIELD,
} from './layout.js';
import { BLOCK_TYPES, type ChainInfo, HELPER_SLOTS, installBlockHelpers, mulhu, pageEntry, pageKey, TYPE_BLOCK, TYPE_MULH } from './wasm-block-compiler.js';
import { interpreterCode } from './wasm-interpreter.js';
import { compressedTableIn, expandParcel } from '../../compressed.js';

/** What the runtime needs of the hart running a block (Hart implements it). */
export interface WasmHart {
  blockRetired: number;
  readonly ldView: DataView;
  readonly stView: DataView;
  /** The interpreter's page lookups (see BlockHart): the page's offset in its chunk, or MISS_FAULT / MISS_SLOW (layout.ts). */
  jitLoadPage(lo: number, hi: number, width: number): number;
  jitStorePage(lo: number, hi: number, width: number): number;
  /**
   * Execute, as the interpreter would, the instruction `insn` (`len` bytes; a compressed one as its
   * 16-bit parcel) at the pc the block
   * stored, `retired` instructions into its chain (read if it traps); the pc is left at the next
   * instruction. 0: the block goes on; 1: it must return to the dispatcher, which yields; 2: the
   * instruction trapped and the hart took the trap (pc at its handler): the block returns the
   * count before it and yields.
   */
  jitExec(insn: number, len: number, retired: number): number;
}

if (TAIL_BYTES > ARENA_TAIL_BYTES) throw new Error('jit/wasm layout: the arena tail is too small');

export class WasmRuntime {
  readonly buffer: ArrayBuffer;
  /** Runs blocks from the slot's pc: (slot, budget) → instructions retired (see layout.ts ST_WHY). */
  readonly dispatch: (st: number, budget: number) => number;
  /** The hart inside dispatch() (the miss helpers act for it). */
  current: WasmHart | undefined;
  private readonly table: WasmTable;
  private readonly free: number[] = [];
  /** The next table slot never used (slots below HELPER_SLOTS hold the helpers). */
  private next = HELPER_SLOTS;
  private readonly owners: (WeakRef<object> | undefined)[] = new Array<WeakRef<object> | undefined>(SLOTS).fill(undefined);
  private readonly slotBase: number;
  private readonly jc: Int32Array;
  private readonly jcBase: number;
  /**
   * The lane's table of compressed expansions (compressed.ts), which the interpreter in the
   * dispatcher reads: the harts of this runtime expand parcels into it (Hart.cexp).
   */
  readonly cexp: Int32Array;
  /** Whether this engine has WebAssembly tail calls (blocks chain only then). */
  private readonly tailCalls: boolean;
  private readonly imports: Record<string, Record<string, unknown>>;

  /**
   * The lane of a store shared by threads (RamStore.over): this thread's jump cache and its one
   * hart slot in the shared tail (layout.ts arenaTailBytes); undefined on one thread.
   */
  private readonly lane: number | undefined;
  /** Guest RAM is a shared memory (harts on threads): blocks make FENCE a real fence. */
  readonly shared: boolean;

  constructor(store: RamStore) {
    const arena = store.arena!;
    const api = wasmApi!;
    this.buffer = arena.memory.buffer as ArrayBuffer;
    this.slotBase = arena.tail;
    this.shared = arena.shared;
    this.lane = store.lane;
    const jcBase = arena.tail + SLOTS * SLOT_BYTES + (this.lane ?? 0) * LANE_BYTES;
    if (jcBase + LANE_BYTES > this.buffer.byteLength) {
      throw new RangeError(`WasmRuntime: lane ${String(this.lane)} has no jump cache in this arena's tail (RamStore.shared needs arenaTailBytes(lanes))`);
    }
    this.jcBase = jcBase;
    this.tailCalls = hasTailCalls();
    this.jc = new Int32Array(this.buffer, jcBase, JC_ENTRIES * 4);
    this.cexp = compressedTableIn(new Int32Array(this.buffer, jcBase + LANE_CEXP, 65536));
    this.table = new api.Table({ element: 'anyfunc', initial: 256 });
    const ldmiss = (_st: number, lo: number, hi: number, width: number, retired: number): number => {
      const h = this.current!;
      h.blockRetired = retired;
      if ((lo & 0xfff) > 4096 - width) return MISS_SLOW; // crosses the page: the hart splits it
      const off = h.jitLoadPage(lo, hi, width);
      return off < 0 ? off : h.ldView.byteOffset + off + (lo & 0xfff);
    };
    const stmiss = (_st: number, lo: number, hi: number, width: number, retired: number): number => {
      const h = this.current!;
      h.blockRetired = retired;
      if ((lo & 0xfff) > 4096 - width) return MISS_SLOW;
      const off = h.jitStorePage(lo, hi, width);
      return off < 0 ? off : h.stView.byteOffset + off + (lo & 0xfff);
    };
    const exec = (_st: number, insn: number, len: number, retired: number): number => this.current!.jitExec(insn, len, retired);
    const expand = (_st: number, parcel: number): number => expandParcel(this.cexp, parcel);
    installBlockHelpers({ ldmiss, stmiss, exec, expand }, arena.memory, this.table, this.shared);
    this.imports = { env: { mem: arena.memory, table: this.table } };
    const inst = new api.Instance(compiledDispatcher(this.shared), { env: { mem: arena.memory, table: this.table } });
    this.dispatch = inst.exports['f0'] as (st: number, budget: number) => number;
  }

  /** A slot for `hart` (its offset in the arena), or -1 when all are taken by live harts. */
  allocSlot(hart: object): number {
    // A lane's runtime is its thread's alone, and its hart has the lane's slot: other threads'
    // runtimes hand out theirs.
    const first = this.lane ?? 0;
    const end = this.lane === undefined ? SLOTS : Math.min(this.lane + 1, SLOTS);
    for (let i = first; i < end; i++) {
      const o = this.owners[i];
      if (o === undefined || o.deref() === undefined) {
        this.owners[i] = new WeakRef(hart);
        const st = this.slotBase + i * SLOT_BYTES;
        new Uint8Array(this.buffer, st, SLOT_BYTES).fill(0);
        new Int32Array(this.buffer, st + ST_LANE, 1)[0] = this.jcBase;
        return st;
      }
    }
    return -1;
  }

  /** Instantiate a module of `count` blocks (encodeBlocks); their table indices, in order. */
  install(bytes: Uint8Array, count: number): number[] {
    const api = wasmApi!;
    const exports = new api.Instance(new api.Module(bytes), this.imports).exports;
    const indices: number[] = [];
    for (let i = 0; i < count; i++) {
      let index = this.free.pop();
      if (index === undefined) {
        index = this.next++;
        if (index >= this.table.length) this.table.grow(this.table.length);
      }
      this.table.set(index, exports[`f${i}`]);
      indices.push(index);
    }
    return indices;
  }

  /** The block at table `index` was dropped (its function is released; a running one finishes). */
  release(index: number): void {
    this.table.set(index, null);
    this.free.push(index);
  }

  /** Jump-cache key of the block starting at store offset `at` (layout.ts jcKey). */
  static key(at: number): number {
    return jcKey(at);
  }

  /** What blocks need to chain to each other (wasm-block-compiler.ts ChainInfo). */
  chainInfo(pageStore: number): ChainInfo | undefined {
    return this.tailCalls ? { jcBase: this.jcBase, pageStore } : undefined;
  }

  jcInsert(key: number, index: number, length: number): void {
    const j = ((key >>> 1) & (JC_ENTRIES - 1)) << 2;
    this.jc[j] = key;
    this.jc[j + 1] = index;
    this.jc[j + 2] = length;
  }

  jcDrop(key: number): void {
    const j = ((key >>> 1) & (JC_ENTRIES - 1)) << 2;
    if (this.jc[j] === key) this.jc[j] = 0;
  }

  jcClear(): void {
    this.jc.fill(0);
  }
}

const runtimes = new WeakMap<RamStore, WasmRuntime>();

/** The runtime of `store`, or undefined when its RAM is not in an arena (then blocks are JavaScript). */
export function wasmRuntimeFor(store: RamStore): WasmRuntime | undefined {
  if (store.arena === undefined) return undefined;
  let rt = runtimes.get(store);
  if (rt === undefined) {
    rt = new WasmRuntime(store);
    runtimes.set(store, rt);
  }
  return rt;
}

/**
 * The dispatcher: (st, budget) → retired. Loop: the pc's page in the hart's fetch cache, the
 * block in the jump cache, enough budget for it → call it; otherwise the interpreter
 * (wasm-interpreter.ts) runs from the pc up to the next head it should look at. It stops
 * (ST_WHY = WHY_STOP) when a block retired nothing (it left its first instruction to the
 * interpreter) or the budget is spent, with the interpreter's reason when it stopped (WHY_STOP,
 * WHY_YIELD, WHY_HOT), and returns to JavaScript (ST_WHY = WHY_MISS) on a fetch-cache miss. A
 * block that returns ~n (negative) retired n and asks to yield (WHY_YIELD: see layout.ts).
 * ST_TOTAL holds the count so far, for a fault inside a block or the interpreter (the exception
 * unwinds through here).
 */
function dispatcherModule(sharedMemory: boolean): Uint8Array {
  const c = new Code(2);
  const l = new Labels(c);
  const ST = 0;
  const BUDGET = 1;
  const left = c.local(I32);
  const total = c.local(I32);
  const pcl = c.local(I32);
  const e = c.local(I32);
  const key = c.local(I32);
  const j = c.local(I32);
  const n = c.local(I32);
  const why = c.local(I32);
  const mem = c.local(I32);
  const jcBase = c.local(I32);
  const FUNC_MULHU = 1;
  const FUNC_INTERP = 2;
  c.get(BUDGET).set(left);
  c.get(ST).mem(Op.i32_load, ST_LANE).set(jcBase);
  c.i32(0).set(total);
  c.i32(WHY_STOP).set(why);
  c.get(ST).i32(0).mem(Op.i32_store, ST_TOTAL);
  l.block('out');
  l.block('miss');
  l.loop('top');
  c.get(ST).mem(Op.i32_load, ST_PC).tee(pcl);
  pageEntry(c, ST, e);
  c.get(e).mem(Op.i32_load, ST_FETCH + PC_TAG_LO);
  pageKey(c, ST, pcl);
  c.op(Op.i32_ne);
  c.get(e).mem(Op.i32_load, ST_FETCH + PC_TAG_HI).get(ST).mem(Op.i32_load, ST_PC + 4).op(Op.i32_ne, Op.i32_or);
  l.brIf('miss');
  c.get(e).mem(Op.i32_load, ST_FETCH + PC_MEM).tee(mem).get(pcl).i32(4095).op(Op.i32_and, Op.i32_add).i32(1).op(Op.i32_add).set(key);
  c.get(key).i32(1).op(Op.i32_shr_u).i32(JC_ENTRIES - 1).op(Op.i32_and).i32(4).op(Op.i32_shl).get(jcBase).op(Op.i32_add).tee(j);
  c.mem(Op.i32_load, 0).get(key).op(Op.i32_eq);
  c.get(j).mem(Op.i32_load, 8).get(left).op(Op.i32_le_s, Op.i32_and);
  // n (a block's or the interpreter's result) on the stack: ~n when it asks to stop, with the
  // reason `negative` gives; counted; then on to the next, unless the budget is spent or nothing ran.
  const settle = (negative: () => void): void => {
    c.i32(0).op(Op.i32_lt_s);
    l.if();
    c.get(n).i32(-1).op(Op.i32_xor).set(n);
    negative();
    l.end();
    c.get(n).get(total).op(Op.i32_add).set(total);
    c.get(left).get(n).op(Op.i32_sub).set(left);
    c.get(ST).get(total).mem(Op.i32_store, ST_TOTAL);
    c.get(why).i32(WHY_STOP).op(Op.i32_ne);
    l.brIf('out');
    c.get(n).op(Op.i32_eqz);
    l.brIf('out');
    c.get(left).op(Op.i32_eqz);
    l.brIf('out');
    l.br('top');
  };
  l.if(); // a block, and the budget covers it
  c.get(ST).get(left).i32(0).get(j).mem(Op.i32_load, 4).callIndirect(TYPE_BLOCK).tee(n);
  settle(() => c.i32(WHY_YIELD).set(why));
  l.end();
  // No block here (or not budget enough for it): interpret.
  c.get(ST).get(left).get(mem).call(FUNC_INTERP).tee(n);
  settle(() => c.get(ST).mem(Op.i32_load, ST_IWHY).set(why));
  l.end(); // top
  l.end(); // miss
  c.i32(WHY_MISS).set(why);
  l.end(); // out
  c.get(ST).get(why).mem(Op.i32_store, ST_WHY).get(total);
  return encodeModule({
    // Types 0-3 are the blocks' (TYPE_BLOCK for call_indirect, the helpers'; the interpreter has
    // the blocks' signature), type 4 the dispatcher's own.
    types: [...BLOCK_TYPES, { params: [I32, I32], results: [I32] }],
    importFuncs: [],
    importTable: true,
    sharedMemory,
    funcs: [
      { type: BLOCK_TYPES.length, code: c },
      { type: TYPE_MULH, code: mulhu(), exported: false },
      { type: TYPE_BLOCK, code: interpreterCode({ shared: sharedMemory, mulhu: FUNC_MULHU }), exported: false },
    ],
  });
}

/** The dispatcher compiled, by whether memory is shared: every runtime instantiates the same module. */
const dispatchers = new Map<boolean, object>();

/**
 * The dispatcher module (`sharedMemory` or not), built and compiled once per thread: its bytes
 * hold the whole interpreter (wasm-interpreter.ts), which takes ~10 ms to emit, and `vm run`'s
 * board is the second runtime of the process, after the warm-up's.
 */
function compiledDispatcher(sharedMemory: boolean): object {
  let m = dispatchers.get(sharedMemory);
  if (m === undefined) {
    m = new wasmApi!.Module(dispatcherModule(sharedMemory));
    dispatchers.set(sharedMemory, m);
  }
  return m;
}

let tailCallSupport: boolean | undefined;

/** Whether WebAssembly.Module accepts `return_call_indirect` (the tail-call proposal). */
function hasTailCalls(): boolean {
  if (tailCallSupport === undefined) {
    const c = new Code(1);
    c.get(0).i32(0).returnCallIndirect(0);
    try {
      new wasmApi!.Module(encodeModule({ types: [{ params: [I32], results: [I32] }], importFuncs: [], importTable: true, funcs: [{ type: 0, code: c }] }));
      tailCallSupport = true;
    } catch {
      tailCallSupport = false;
    }
  }
  return tailCallSupport;
}
