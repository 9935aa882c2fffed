import { ConfigError, envVar, GuestMemoryError, type GuestMemory } from '@vm/core';
import { wasmApi, type WasmMemory } from './wasm-api.js';

/**
 * Guest RAM is kept in chunks of this many bytes, each allocated on its first write (or first
 * live view): a board or a hypervisor of many GiB costs host memory only for what its guests
 * touch, and no single typed array (V8's largest is 4 GiB) limits its size. A 4 KiB page never
 * straddles a chunk, so the hart's page caches hold (chunk view, offset) pairs.
 */
export const RAM_CHUNK_SIZE = 1 << 20;
const PAGES_PER_CHUNK = RAM_CHUNK_SIZE / 4096;

/**
 * The most RAM one Ram (a board's, or a hypervisor's host RAM) may have: what the board's address
 * map holds above DRAM's base in this build (QEMU's virt places DRAM at 2 GiB and caps it too).
 * What the host can actually give is checked by the commands (hostMemoryLimit in the CLI).
 */
export const MAX_RAM_BYTES = 64 * 2 ** 30;

/**
 * Bytes kept behind guest RAM in an arena (RamStore.arena) for the code that the translator
 * compiles to WebAssembly: the translating harts' state and the jump cache (@vm/isa jit/wasm/layout.ts).
 */
export const ARENA_TAIL_BYTES = 2 * 2 ** 20;
/** Largest store kept in an arena: WebAssembly memories (wasm32) address at most 4 GiB, tail included. */
export const ARENA_MAX_BYTES = 2 ** 32 - ARENA_TAIL_BYTES - 65536;

/**
 * Where a store's chunks live when they can be reached from WebAssembly: one WebAssembly.Memory
 * holding the whole store at offset 0 (chunk c at c · RAM_CHUNK_SIZE), then the tail from `tail`.
 * The memory never grows (growing would detach every view of it); the host commits its pages on
 * first touch, so an untouched chunk costs address space, not memory.
 */
export interface RamArena {
  readonly memory: WasmMemory;
  /** Offset of the tail (ARENA_TAIL_BYTES, or more: RamStore.shared), 64 KiB-aligned. */
  readonly tail: number;
  /**
   * A shared memory (WebAssembly threads: its buffer is a SharedArrayBuffer), which every thread
   * of a board with harts on threads imports; modules importing it must declare it shared.
   */
  readonly shared: boolean;
}

/**
 * What another thread needs to build a RamStore over the same guest memory (RamStore.over): a
 * shared arena, so that translated code on every thread reaches the one RAM, or, on a host without
 * WebAssembly (or with VM_WASM=0), one SharedArrayBuffer per chunk.
 */
export interface SharedRam {
  readonly arena?: RamArena;
  readonly buffers?: readonly SharedArrayBuffer[];
}

/** See Ram.writeWatchers. */
export type RamWriteWatcher = (storeOffset: number, length: number) => void;

/**
 * The chunks behind one or more Rams: a hypervisor's host RAM and the VM windows into it share one
 * store. Uncommitted chunks read as zero.
 */
export class RamStore {
  readonly chunks: (Uint8Array | undefined)[];
  readonly views: (DataView | undefined)[];
  /** See Ram.writeWatchers. */
  readonly watchers: RamWriteWatcher[] = [];
  /** Chunks allocated so far. */
  committed = 0;
  /**
   * Per chunk: 1 once it may have been written since it was last zeroed by Ram.zeroWritten. Set
   * by commit(), which every write path calls, and by Ram.pageChunk when a hart caches a page of it
   * for its fast path (for fetches and loads too: a superset is safe). A reset then zeroes only
   * these chunks instead of all committed RAM.
   */
  readonly written: Uint8Array;
  /** The store in one WebAssembly memory (see RamArena), or undefined: chunks are separate arrays. */
  readonly arena: RamArena | undefined;

  /**
   * `arena`: keep the store in a RamArena when it fits one (default: when the host has
   * WebAssembly and VM_WASM=0 is not in the environment), so that translated code can reach it.
   */
  constructor(readonly size: number, arena: boolean | RamArena = arenaByDefault()) {
    const n = Math.ceil(size / RAM_CHUNK_SIZE);
    this.chunks = new Array<Uint8Array | undefined>(n).fill(undefined);
    this.views = new Array<DataView | undefined>(n).fill(undefined);
    this.written = new Uint8Array(n);
    this.arena = typeof arena === 'object' ? arena : arena && wasmApi !== undefined && size <= ARENA_MAX_BYTES ? makeArena(size) : undefined;
  }

  /**
   * A store that several threads share (harts on worker threads, `-accel tcg,thread=multi`): every
   * thread builds its own RamStore over the same memory with `RamStore.over(size, store.shared,
   * lane)`. When the host has WebAssembly (and VM_WASM=0 is not set), that memory is one shared
   * arena, so each thread's translator reaches guest RAM; its tail is `tailBytes` (each thread's
   * translator keeps its own jump cache there: @vm/isa arenaTailBytes). Otherwise each chunk is a
   * SharedArrayBuffer. Committing on first write cannot be shared between threads without a lock
   * on every commit, so shared RAM is allocated whole; the host still commits its pages only when
   * they are touched (fresh memory is zero-filled mapped memory).
   */
  static shared(size: number, tailBytes = ARENA_TAIL_BYTES): RamStore {
    const fits = arenaByDefault() && wasmApi !== undefined && size + tailBytes <= ARENA_MAX_BYTES + ARENA_TAIL_BYTES;
    // A host that will not reserve the arena still gets shared RAM, without translated code.
    const arena = fits ? makeArena(size, tailBytes, true) : undefined;
    let shared: SharedRam;
    if (arena !== undefined) {
      shared = { arena };
    } else {
      const n = Math.ceil(size / RAM_CHUNK_SIZE);
      const buffers: SharedArrayBuffer[] = [];
      try {
        for (let c = 0; c < n; c++) buffers.push(new SharedArrayBuffer(Math.min(RAM_CHUNK_SIZE, size - c * RAM_CHUNK_SIZE)));
      } catch (e) {
        throw new ConfigError(`RAM: the host cannot give ${Math.ceil(size / 2 ** 20)} MiB of shared memory (${e instanceof Error ? e.message : String(e)})`);
      }
      shared = { buffers };
    }
    return RamStore.over(size, shared);
  }

  /**
   * A store over the memory of a shared store (another thread's `shared`). `lane`: this thread's
   * index among those that translate code on it (its jump cache and hart slot in the arena's tail).
   */
  static over(size: number, shared: SharedRam, lane?: number): RamStore {
    const store = new RamStore(size, shared.arena ?? false);
    const n = store.chunks.length;
    if (shared.arena !== undefined) {
      for (let c = 0; c < n; c++) store.commit(c);
    } else {
      const buffers = shared.buffers ?? [];
      if (buffers.length !== n) throw new RangeError(`RamStore.over: ${buffers.length} buffers for ${n} chunks`);
      buffers.forEach((b, c) => {
        store.chunks[c] = new Uint8Array(b);
        store.views[c] = new DataView(b);
      });
      store.committed = n;
    }
    store.shared = shared;
    store.lane = lane;
    return store;
  }

  /** The memory of a shared store (RamStore.shared, RamStore.over), or undefined. */
  shared: SharedRam | undefined;
  /** See RamStore.over. */
  lane: number | undefined;
  private words32: (Int32Array | undefined)[] | undefined;
  private words64: (BigInt64Array | undefined)[] | undefined;

  /** Chunk `c` as 32-bit words, for Atomics (ECMA-262 25.4: Int32Array and BigInt64Array only). */
  int32(c: number): Int32Array {
    const w = (this.words32 ??= []);
    let a = w[c];
    if (a === undefined) {
      const b = this.commit(c);
      a = w[c] = new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
    }
    return a;
  }

  /** Chunk `c` as 64-bit words, for Atomics. */
  int64(c: number): BigInt64Array {
    const w = (this.words64 ??= []);
    let a = w[c];
    if (a === undefined) {
      const b = this.commit(c);
      a = w[c] = new BigInt64Array(b.buffer, b.byteOffset, b.length >> 3);
    }
    return a;
  }

  /** Chunk `c`, allocated (zero) when it was not yet. */
  commit(c: number): Uint8Array {
    this.written[c] = 1;
    let b = this.chunks[c];
    if (b === undefined) {
      const length = Math.min(RAM_CHUNK_SIZE, this.size - c * RAM_CHUNK_SIZE);
      try {
        b = this.arena === undefined ? new Uint8Array(length) : new Uint8Array(this.arena.memory.buffer, c * RAM_CHUNK_SIZE, length);
      } catch (e) {
        throw new ConfigError(`RAM: the host cannot give another ${RAM_CHUNK_SIZE >> 20} MiB (${this.committed} MiB committed; ${e instanceof Error ? e.message : String(e)})`);
      }
      this.chunks[c] = b;
      this.views[c] = new DataView(b.buffer, b.byteOffset, b.length);
      this.committed++;
    }
    return b;
  }

  /** Bytes of host memory holding guest RAM now. */
  get committedBytes(): number {
    let n = 0;
    for (const b of this.chunks) if (b !== undefined) n += b.length;
    return n;
  }
}

/** Arenas by default unless VM_WASM=0 in the environment (Node). */
function arenaByDefault(): boolean {
  return envVar('VM_WASM') !== '0';
}

/** An arena for `size` bytes of RAM, or undefined when the host will not reserve one (then: arrays). */
function makeArena(size: number, tailBytes = ARENA_TAIL_BYTES, shared = false): RamArena | undefined {
  const tail = Math.ceil(size / 65536) * 65536;
  const pages = Math.ceil((tail + tailBytes) / 65536);
  try {
    return { memory: new wasmApi!.Memory({ initial: pages, maximum: pages, shared }), tail, shared };
  } catch {
    return undefined;
  }
}

/**
 * Guest RAM: one contiguous block of physical memory at `base`, little-endian as RISC-V is, kept in
 * lazily committed chunks of a RamStore (see RAM_CHUNK_SIZE). The hart's fast path reaches the
 * chunks directly (pageChunk); everything else goes through the methods here.
 */
export class Ram implements GuestMemory {
  readonly end: number;
  readonly store: RamStore;
  /**
   * Told (byte offset in the store, length) before bytes change through any Ram over that store —
   * writes, loads, any live `slice` (a device may write through it: DMA), and bus writes — so a
   * code translator can drop stale translations. Shared by every Ram on the same store: a VM's RAM
   * window aliases its host's memory, and a store through either must be seen by a translator
   * attached to the other. Stores by a hart's own fast path do not come here.
   */
  readonly writeWatchers: RamWriteWatcher[];
  /** This RAM's first byte, as an offset in the store (a multiple of 4 KiB). */
  readonly storeOffset: number;
  /** storeOffset in 4 KiB pages. */
  private readonly firstPage: number;
  /** Watchers this Ram added to its store (addWriteWatcher): retire() takes them out again. */
  private readonly ownWatchers: RamWriteWatcher[] = [];
  /** Called once by retire(). */
  private readonly retireHooks: (() => void)[] = [];

  /**
   * `window`, when given, is the memory to use: `size` bytes at `offset` of another Ram's store (a
   * hypervisor gives each VM a window of its own RAM this way, so guest-physical RAM aliases the
   * VM's host partition). Use Ram.window.
   */
  constructor(
    readonly base: number,
    readonly size: number,
    window?: { readonly store: RamStore; readonly offset: number },
  ) {
    if (!Number.isInteger(size) || size <= 0 || size % 4096 !== 0) {
      throw new RangeError(`RAM size must be a positive multiple of 4 KiB, got ${size}`);
    }
    if (window === undefined && size > MAX_RAM_BYTES) {
      throw new ConfigError(`RAM of ${Math.ceil(size / 2 ** 20)} MiB: at most ${MAX_RAM_BYTES / 2 ** 20} MiB in this build (the board's address map)`);
    }
    if (window !== undefined && (window.offset % 4096 !== 0 || window.offset < 0 || window.offset + size > window.store.size)) {
      throw new RangeError(`RAM window of ${size} bytes at ${window.offset} is not 4 KiB-aligned inside its ${window.store.size}-byte store`);
    }
    this.store = window?.store ?? new RamStore(size);
    this.storeOffset = window?.offset ?? 0;
    this.firstPage = this.storeOffset / 4096;
    this.end = base + size;
    this.writeWatchers = this.store.watchers;
  }

  /**
   * Add a write watcher on behalf of this Ram (a translator's cache of code in it): it stays on the
   * shared store until retire(). A VM's window lives shorter than its host's store, and a watcher
   * left behind by each VM that ended made every later write slower and kept the VM reachable.
   */
  addWriteWatcher(watcher: RamWriteWatcher): void {
    this.writeWatchers.push(watcher);
    this.ownWatchers.push(watcher);
  }

  /** Call `hook` when this Ram is retired (what hangs on it, e.g. its translations, goes then). */
  onRetire(hook: () => void): void {
    this.retireHooks.push(hook);
  }

  /**
   * This Ram is no longer used (a VM's window when the VM goes; its bytes stay, owned by the
   * store): its watchers leave the store and its retire hooks run. Idempotent.
   */
  retire(): void {
    for (const w of this.ownWatchers) {
      const i = this.writeWatchers.indexOf(w);
      if (i >= 0) this.writeWatchers.splice(i, 1);
    }
    this.ownWatchers.length = 0;
    const hooks = this.retireHooks.splice(0);
    for (const h of hooks) h();
  }

  /** A Ram at guest-physical `base` over `size` bytes of this one from byte `offset` (aliasing them). */
  window(offset: number, size: number, base: number): Ram {
    if (offset < 0 || offset + size > this.size) throw new RangeError(`RAM window [${offset}, ${offset + size}) outside ${this.size} bytes`);
    return new Ram(base, size, { store: this.store, offset: this.storeOffset + offset });
  }

  /**
   * The store chunk holding this RAM's 4 KiB page `page` (its index from `base`), committing it when
   * `commit`; -1 when it is not committed and `commit` is false (it reads as zero). The page starts
   * at pageOffset(page) in that chunk.
   */
  pageChunk(page: number, commit: boolean): number {
    const c = ((this.firstPage + page) / PAGES_PER_CHUNK) | 0;
    if (commit) this.store.commit(c);
    else if (this.store.chunks[c] === undefined) return -1;
    return c;
  }

  /** Byte offset of page `page` in its chunk. */
  pageOffset(page: number): number {
    return ((this.firstPage + page) % PAGES_PER_CHUNK) * 4096;
  }

  /** Tell the write watchers that RAM bytes [offset, offset + length) are about to change. */
  noteWrite(offset: number, length: number): void {
    const ws = this.writeWatchers;
    for (let i = 0; i < ws.length; i++) ws[i]!(this.storeOffset + offset, length);
  }

  contains(addr: number, length: number): boolean {
    return addr >= this.base && length >= 0 && addr + length <= this.end;
  }

  private offsetOf(addr: number, length: number): number {
    if (!this.contains(addr, length)) throw new GuestMemoryError(addr, length);
    return this.storeOffset + (addr - this.base);
  }

  /** The store offset of a range about to be written, after telling the watchers. */
  private writeOffset(addr: number, length: number): number {
    const o = this.offsetOf(addr, length);
    if (this.writeWatchers.length !== 0) {
      const ws = this.writeWatchers;
      for (let i = 0; i < ws.length; i++) ws[i]!(o, length);
    }
    return o;
  }

  /**
   * A live view of guest RAM (committing its chunk). A range that crosses a chunk boundary cannot be
   * one view: use views(), copyOut() or fill() — those callers that may span chunks do.
   */
  slice(addr: number, length: number): Uint8Array {
    const o = this.writeOffset(addr, length);
    const c = Math.floor(o / RAM_CHUNK_SIZE);
    const at = o - c * RAM_CHUNK_SIZE;
    if (at + length > RAM_CHUNK_SIZE) {
      throw new RangeError(`RAM slice [${addr}, +${length}) crosses a ${RAM_CHUNK_SIZE >> 20} MiB chunk boundary (use views())`);
    }
    return this.store.commit(c).subarray(at, at + length);
  }

  /** Live views covering [addr, addr + length), split at chunk boundaries (committing them). */
  views(addr: number, length: number): Uint8Array[] {
    let o = this.writeOffset(addr, length);
    const out: Uint8Array[] = [];
    let left = length;
    while (left > 0) {
      const c = Math.floor(o / RAM_CHUNK_SIZE);
      const at = o - c * RAM_CHUNK_SIZE;
      const n = Math.min(left, RAM_CHUNK_SIZE - at);
      out.push(this.store.commit(c).subarray(at, at + n));
      o += n;
      left -= n;
    }
    return out;
  }

  /** Call `each` for the stored bytes of [o, o + length) chunk by chunk (undefined: uncommitted, zero). */
  private eachChunk(o: number, length: number, each: (c: number, chunk: Uint8Array | undefined, at: number, n: number, done: number) => void): void {
    let done = 0;
    while (done < length) {
      const c = Math.floor(o / RAM_CHUNK_SIZE);
      const at = o - c * RAM_CHUNK_SIZE;
      const n = Math.min(length - done, RAM_CHUNK_SIZE - at);
      each(c, this.store.chunks[c], at, n, done);
      o += n;
      done += n;
    }
  }

  /** A copy of [addr, addr + length) (uncommitted chunks read as zero; nothing is committed). */
  copyOut(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.eachChunk(this.offsetOf(addr, length), length, (_c, chunk, at, n, done) => {
      if (chunk !== undefined) out.set(chunk.subarray(at, at + n), done);
    });
    return out;
  }

  /** Set [addr, addr + length) to `value` (zeroing an uncommitted chunk commits nothing). */
  fill(addr: number, length: number, value = 0): void {
    const o = this.writeOffset(addr, length);
    this.eachChunk(o, length, (c, chunk, at, n) => {
      if (chunk !== undefined) chunk.fill(value, at, at + n);
      else if (value !== 0) this.store.commit(c).fill(value, at, at + n);
    });
  }

  /**
   * Zero what was written since the last call (RamStore.written) — the RAM a power-on finds, at
   * the cost of the chunks a guest touched rather than of all committed RAM — telling the watchers.
   * Chunks this RAM shares with another Ram over the store keep their mark. No hart may keep a
   * page of this RAM in its page caches across the call (their stores would go unmarked): a reset
   * of the harts after it clears them.
   */
  zeroWritten(): void {
    const first = Math.floor(this.storeOffset / RAM_CHUNK_SIZE);
    const last = Math.floor((this.storeOffset + this.size - 1) / RAM_CHUNK_SIZE);
    const written = this.store.written;
    for (let c = first; c <= last; c++) {
      if (written[c] === 0) continue;
      const from = Math.max(c * RAM_CHUNK_SIZE, this.storeOffset);
      const to = Math.min((c + 1) * RAM_CHUNK_SIZE, this.storeOffset + this.size);
      this.fill(this.base + from - this.storeOffset, to - from);
      if (from === c * RAM_CHUNK_SIZE && to === Math.min((c + 1) * RAM_CHUNK_SIZE, this.store.size)) written[c] = 0;
    }
  }

  /** Committed 4 KiB-aligned stretches of this RAM: [offset from base, length] pairs, ascending. */
  committedRanges(): [number, number][] {
    const out: [number, number][] = [];
    const first = Math.floor(this.storeOffset / RAM_CHUNK_SIZE);
    const last = Math.floor((this.storeOffset + this.size - 1) / RAM_CHUNK_SIZE);
    for (let c = first; c <= last; c++) {
      if (this.store.chunks[c] === undefined) continue;
      const from = Math.max(c * RAM_CHUNK_SIZE, this.storeOffset) - this.storeOffset;
      const to = Math.min((c + 1) * RAM_CHUNK_SIZE, this.storeOffset + this.size) - this.storeOffset;
      const prev = out[out.length - 1];
      if (prev !== undefined && prev[0] + prev[1] === from) prev[1] += to - from;
      else out.push([from, to - from]);
    }
    return out;
  }

  /** The DataView over `width` bytes at store offset `o`, with the offset in it in `this.at`; undefined: crosses a chunk. */
  private at = 0;
  private viewAt(o: number, width: number, commit: boolean): DataView | undefined | null {
    const c = (o / RAM_CHUNK_SIZE) | 0;
    const at = o - c * RAM_CHUNK_SIZE;
    if (at + width > RAM_CHUNK_SIZE) return null;
    this.at = at;
    if (commit) this.store.commit(c);
    return this.store.views[c];
  }

  private readSplit(o: number, width: number): bigint {
    let v = 0n;
    for (let i = 0; i < width; i++) {
      const c = Math.floor((o + i) / RAM_CHUNK_SIZE);
      const b = this.store.chunks[c]?.[o + i - c * RAM_CHUNK_SIZE] ?? 0;
      v |= BigInt(b) << BigInt(8 * i);
    }
    return v;
  }

  private writeSplit(o: number, width: number, value: bigint): void {
    for (let i = 0; i < width; i++) {
      const c = Math.floor((o + i) / RAM_CHUNK_SIZE);
      this.store.commit(c)[o + i - c * RAM_CHUNK_SIZE] = Number((value >> BigInt(8 * i)) & 0xffn);
    }
  }

  read8(addr: number): number {
    const o = this.offsetOf(addr, 1);
    const c = (o / RAM_CHUNK_SIZE) | 0;
    return this.store.chunks[c]?.[o - c * RAM_CHUNK_SIZE] ?? 0;
  }
  read16(addr: number): number {
    const o = this.offsetOf(addr, 2);
    const v = this.viewAt(o, 2, false);
    if (v === null) return Number(this.readSplit(o, 2));
    return v === undefined ? 0 : v.getUint16(this.at, true);
  }
  read32(addr: number): number {
    const o = this.offsetOf(addr, 4);
    const v = this.viewAt(o, 4, false);
    if (v === null) return Number(this.readSplit(o, 4));
    return v === undefined ? 0 : v.getUint32(this.at, true);
  }
  read64(addr: number): bigint {
    const o = this.offsetOf(addr, 8);
    const v = this.viewAt(o, 8, false);
    if (v === null) return this.readSplit(o, 8);
    return v === undefined ? 0n : v.getBigUint64(this.at, true);
  }
  write8(addr: number, value: number): void {
    const o = this.writeOffset(addr, 1);
    const c = (o / RAM_CHUNK_SIZE) | 0;
    this.store.commit(c)[o - c * RAM_CHUNK_SIZE] = value;
  }
  write16(addr: number, value: number): void {
    const o = this.writeOffset(addr, 2);
    const v = this.viewAt(o, 2, true);
    if (v === null || v === undefined) this.writeSplit(o, 2, BigInt(value & 0xffff));
    else v.setUint16(this.at, value, true);
  }
  write32(addr: number, value: number): void {
    const o = this.writeOffset(addr, 4);
    const v = this.viewAt(o, 4, true);
    if (v === null || v === undefined) this.writeSplit(o, 4, BigInt(value >>> 0));
    else v.setUint32(this.at, value >>> 0, true);
  }
  write64(addr: number, value: bigint): void {
    const o = this.writeOffset(addr, 8);
    const v = this.viewAt(o, 8, true);
    if (v === null || v === undefined) this.writeSplit(o, 8, BigInt.asUintN(64, value));
    else v.setBigUint64(this.at, BigInt.asUintN(64, value), true);
  }
  /**
   * Atomically (ECMA-262 25.4.4 Atomics.compareExchange) replace the naturally aligned 4- or
   * 8-byte word at `addr` with `replacement` if it holds `expected`; returns what it held, as an
   * unsigned value. Sequentially consistent with every other thread's Atomics on the same shared
   * store, which is what makes AMOs and SC of harts on threads atomic (@vm/machine threads/hart-worker.ts).
   */
  compareExchange(addr: number, width: 4 | 8, expected: bigint, replacement: bigint): bigint {
    const o = this.writeOffset(addr, width);
    const c = (o / RAM_CHUNK_SIZE) | 0;
    const at = o - c * RAM_CHUNK_SIZE;
    if (width === 4) {
      const old = Atomics.compareExchange(this.store.int32(c), at >> 2, Number(BigInt.asIntN(32, expected)), Number(BigInt.asIntN(32, replacement)));
      return BigInt(old >>> 0);
    }
    return BigInt.asUintN(64, Atomics.compareExchange(this.store.int64(c), at >> 3, BigInt.asIntN(64, expected), BigInt.asIntN(64, replacement)));
  }

  /** An Atomics.load of the naturally aligned 4- or 8-byte word at `addr` (unsigned). */
  atomicLoad(addr: number, width: 4 | 8): bigint {
    const o = this.offsetOf(addr, width);
    const c = (o / RAM_CHUNK_SIZE) | 0;
    const at = o - c * RAM_CHUNK_SIZE;
    if (width === 4) return BigInt(Atomics.load(this.store.int32(c), at >> 2) >>> 0);
    return BigInt.asUintN(64, Atomics.load(this.store.int64(c), at >> 3));
  }

  /** Copy an image into RAM (loaders); throws GuestMemoryError when it does not fit. */
  load(addr: number, data: Uint8Array): void {
    let done = 0;
    for (const v of this.views(addr, data.length)) {
      v.set(data.subarray(done, done + v.length));
      done += v.length;
    }
  }
}
