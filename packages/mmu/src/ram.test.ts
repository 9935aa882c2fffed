import { describe, expect, it } from 'vitest';
import { ConfigError, GuestMemoryError } from '@vm/core';
import { MAX_RAM_BYTES, RAM_CHUNK_SIZE, Ram, RamStore } from './ram.js';

const BASE = 0x8000_0000;
const GIB = 2 ** 30;

describe('Ram: guest RAM in lazily committed chunks', () => {
  it('reads zero from untouched RAM without committing it; a write commits one chunk', () => {
    const ram = new Ram(BASE, 16 * GIB);
    expect(ram.read64(BASE + 12 * GIB)).toBe(0n);
    expect(ram.read8(BASE + 15 * GIB)).toBe(0);
    expect(ram.copyOut(BASE + 3 * GIB, 64)).toEqual(new Uint8Array(64));
    ram.fill(BASE, 8 * GIB); // zeroing untouched RAM costs nothing either
    expect(ram.store.committed).toBe(0);
    ram.write32(BASE + 9 * GIB + 4, 0xdead_beef);
    expect(ram.store.committed).toBe(1);
    expect(ram.committedRanges()).toEqual([[9 * GIB, RAM_CHUNK_SIZE]]);
  });

  it('keeps words above 4 GiB apart from those 4 GiB below (no wrap at 2^32)', () => {
    const ram = new Ram(BASE, 8 * GIB);
    ram.write64(BASE + 16, 0x1111_2222_3333_4444n);
    ram.write64(BASE + 4 * GIB + 16, 0x5555_6666_7777_8888n);
    ram.write64(BASE + 8 * GIB - 8, 0x9999_aaaa_bbbb_ccccn);
    expect(ram.read64(BASE + 16)).toBe(0x1111_2222_3333_4444n);
    expect(ram.read64(BASE + 4 * GIB + 16)).toBe(0x5555_6666_7777_8888n);
    expect(ram.read64(BASE + 8 * GIB - 8)).toBe(0x9999_aaaa_bbbb_ccccn);
    expect(() => ram.read64(BASE + 8 * GIB - 4)).toThrow(GuestMemoryError);
  });

  it('reads, writes and loads across a chunk boundary; slice refuses to span one, views split there', () => {
    const ram = new Ram(BASE, 4 * RAM_CHUNK_SIZE);
    const edge = BASE + RAM_CHUNK_SIZE;
    ram.write64(edge - 3, 0x0102_0304_0506_0708n);
    expect(ram.read64(edge - 3)).toBe(0x0102_0304_0506_0708n);
    expect(ram.read32(edge - 2)).toBe(0x0405_0607);
    expect(ram.read8(edge - 3)).toBe(0x08);
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    ram.load(edge - 100, data);
    expect(ram.copyOut(edge - 100, 300)).toEqual(data);
    expect(() => ram.slice(edge - 100, 300)).toThrow(/crosses a 1 MiB chunk boundary/);
    expect(ram.views(edge - 100, 300).map((v) => v.length)).toEqual([100, 200]);
    ram.views(edge - 100, 300)[1]![0] = 0xee; // live views
    expect(ram.read8(edge)).toBe(0xee);
  });

  it('a window aliases its host RAM at any 4 KiB offset, and write watchers see store offsets', () => {
    const host = new Ram(BASE, 9 * GIB);
    const seen: [number, number][] = [];
    host.writeWatchers.push((at, len) => seen.push([at, len]));
    const offset = 5 * GIB + 4096; // above 4 GiB of host RAM, not chunk-aligned
    const guest = host.window(offset, 3 * GIB, BASE);
    guest.write64(BASE + 2 * GIB + 16, 42n);
    expect(host.read64(BASE + offset + 2 * GIB + 16)).toBe(42n);
    expect(seen).toEqual([[offset + 2 * GIB + 16, 8]]);
    // Page p of the window sits at pageOffset(p) in chunk pageChunk(p) of the shared store.
    const p = (2 * GIB) / 4096;
    const c = guest.pageChunk(p, false);
    expect(new DataView(host.store.chunks[c]!.buffer).getBigUint64(guest.pageOffset(p) + 16, true)).toBe(42n);
  });

  it('refuses RAM beyond the address map with a ConfigError naming the limit', () => {
    expect(() => new Ram(BASE, MAX_RAM_BYTES + 4096)).toThrow(ConfigError);
    expect(() => new Ram(BASE, MAX_RAM_BYTES + 4096)).toThrow(/at most 65536 MiB/);
  });

  it('shared stores: every chunk in shared memory, a second store over the same memory aliases it (harts on threads)', () => {
    const size = 3 * RAM_CHUNK_SIZE;
    const store = RamStore.shared(size);
    expect(store.shared?.arena?.memory.buffer ?? store.shared?.buffers?.[0]).toBeInstanceOf(SharedArrayBuffer);
    expect(store.chunks.every((c) => c?.buffer instanceof SharedArrayBuffer)).toBe(true);
    const a = new Ram(BASE, size, { store, offset: 0 });
    const b = new Ram(BASE, size, { store: RamStore.over(size, store.shared!), offset: 0 });
    a.write64(BASE + RAM_CHUNK_SIZE + 8, 0x1122_3344_5566_7788n);
    expect(b.read64(BASE + RAM_CHUNK_SIZE + 8)).toBe(0x1122_3344_5566_7788n);
  });

  it('a shared store is one shared WebAssembly arena (with the tail asked for), or SharedArrayBuffer chunks where there is none', () => {
    const size = 2 * RAM_CHUNK_SIZE;
    const store = RamStore.shared(size, 3 * 2 ** 20);
    const arena = store.shared!.arena!;
    expect(arena.shared).toBe(true);
    expect(arena.memory.buffer.byteLength).toBe(size + 3 * 2 ** 20);
    const other = RamStore.over(size, store.shared!, 1);
    expect(other.lane).toBe(1);
    expect(other.arena).toBe(arena);
    // Without an arena (a host without WebAssembly, VM_WASM=0): the chunks themselves are shared.
    const buffers = [new SharedArrayBuffer(RAM_CHUNK_SIZE), new SharedArrayBuffer(RAM_CHUNK_SIZE)];
    const a = new Ram(BASE, size, { store: RamStore.over(size, { buffers }), offset: 0 });
    const b = new Ram(BASE, size, { store: RamStore.over(size, { buffers }, 1), offset: 0 });
    expect(a.store.arena).toBeUndefined();
    a.write32(BASE + RAM_CHUNK_SIZE, 0xdead_beef);
    expect(b.read32(BASE + RAM_CHUNK_SIZE)).toBe(0xdead_beef);
    expect(() => RamStore.over(size, { buffers: buffers.slice(1) })).toThrow(/1 buffers for 2 chunks/);
  });

  it('compareExchange swaps only when the word holds the expected value, and returns what it held (unsigned)', () => {
    const ram = new Ram(BASE, 2 * RAM_CHUNK_SIZE, { store: RamStore.shared(2 * RAM_CHUNK_SIZE), offset: 0 });
    const at = BASE + RAM_CHUNK_SIZE + 64;
    ram.write32(at, 0xffff_fffe);
    expect(ram.compareExchange(at, 4, 1n, 7n)).toBe(0xffff_fffen);
    expect(ram.read32(at)).toBe(0xffff_fffe);
    expect(ram.compareExchange(at, 4, 0xffff_fffen, 0x8000_0000n)).toBe(0xffff_fffen);
    expect(ram.atomicLoad(at, 4)).toBe(0x8000_0000n);
    ram.write64(at + 8, 0xffff_ffff_ffff_ffffn);
    expect(ram.compareExchange(at + 8, 8, 0xffff_ffff_ffff_ffffn, 5n)).toBe(0xffff_ffff_ffff_ffffn);
    expect(ram.atomicLoad(at + 8, 8)).toBe(5n);
    // Also on a store of plain (non-shared) chunks: Atomics work on any ArrayBuffer.
    const plain = new Ram(BASE, RAM_CHUNK_SIZE);
    expect(plain.compareExchange(BASE, 8, 0n, 9n)).toBe(0n);
    expect(plain.read64(BASE)).toBe(9n);
  });

  it('retire() takes the watchers a window added off the shared store, and runs its hooks once', () => {
    const host = new Ram(0x8000_0000, 4 << 20);
    const window = host.window(1 << 20, 1 << 20, 0x8000_0000);
    const seen: number[] = [];
    window.addWriteWatcher((at) => seen.push(at));
    let retired = 0;
    window.onRetire(() => retired++);
    host.write8(host.base + (1 << 20), 1);
    expect(seen).toEqual([1 << 20]);
    window.retire();
    window.retire();
    expect(retired).toBe(1);
    expect(host.writeWatchers).toHaveLength(0);
    host.write8(host.base + (1 << 20), 2);
    expect(seen).toEqual([1 << 20]);
  });

  it('zeroWritten() zeroes every chunk written since the last call, through any write path, and only those', () => {
    const ram = new Ram(0x8000_0000, 4 * RAM_CHUNK_SIZE);
    ram.write32(ram.base + 8, 0xdead_beef);
    ram.load(ram.base + 2 * RAM_CHUNK_SIZE + 100, new Uint8Array([1, 2, 3]));
    expect(Array.from(ram.store.written)).toEqual([1, 0, 1, 0]);
    // A hart's fast path writes through the chunk pageChunk(…, true) gave it.
    const c = ram.pageChunk((3 * RAM_CHUNK_SIZE) / 4096, true);
    ram.store.chunks[c]![5] = 9;
    ram.zeroWritten();
    expect(Array.from(ram.store.written)).toEqual([0, 0, 0, 0]);
    expect(ram.copyOut(ram.base, ram.size).every((b) => b === 0)).toBe(true);
    // What is not written stays as it is: nothing is touched the second time.
    ram.store.chunks[0]![0] = 7; // behind the store's back: no write path marks it
    ram.zeroWritten();
    expect(ram.read8(ram.base)).toBe(7);
  });
});
