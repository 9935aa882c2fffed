import { PAGE_SIZE, PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X, type Ram } from '@vm/mmu';
import type { FrameAllocator } from './frame-allocator.js';

const SATP_SV39 = 8n << 60n;
const PAGE = BigInt(PAGE_SIZE);
const V = BigInt(PTE_V);
const W = BigInt(PTE_W);
/** A software PTE bit (RSW, bit 8): the page is shared copy-on-write, its PTE_W withheld. */
const COW = 1n << 8n;

export interface Protection {
  readonly read: boolean;
  readonly write: boolean;
  readonly execute: boolean;
}

/** A virtual memory area: a range of user addresses with one protection, filled on demand. */
export interface MemoryArea {
  start: number;
  end: number;
  prot: Protection;
  readonly name: string;
  /** Backed by physically contiguous frames from this address (guest RAM of a VMM), else on demand. */
  readonly physical?: number;
}

/** Lowest address of anonymous mmap()s; they grow upwards from here. */
export const MMAP_BASE = 0x20_0000_0000;
/** The user stack: top of the Sv39 lower half minus a guard. */
export const STACK_TOP = 0x3f_ffff_f000;
export const STACK_SIZE = 8 << 20;

/**
 * A process's Sv39 address space: page tables in kernel-owned frames, the areas that may be
 * mapped, and the frames it owns. The kernel reads and writes user memory by walking its tables.
 */
export class AddressSpace {
  readonly root: number;
  readonly areas: MemoryArea[] = [];
  /**
   * Rams aliasing this space's physically contiguous areas (NativeSyscalls.memoryRam: a soft VMM's
   * guest RAM), retired with the space so nothing hangs on the host's RAM for them afterwards.
   */
  readonly windows: Ram[] = [];
  /** Virtual page number → physical frame, for the frames this space owns. */
  private readonly owned = new Map<number, number>();
  private readonly tables: number[] = [];
  mmapNext = MMAP_BASE;
  brkStart = 0;
  brk = 0;

  constructor(
    private readonly ram: Ram,
    private readonly frames: FrameAllocator,
  ) {
    const root = frames.allocate();
    if (root < 0) throw new RangeError('out of memory for a page table');
    this.root = root;
    this.tables.push(root);
  }

  get satp(): bigint {
    return SATP_SV39 | BigInt(this.root / PAGE_SIZE);
  }

  /** Resident frames. */
  get residentPages(): number {
    return this.owned.size;
  }

  addArea(area: MemoryArea): void {
    this.areas.push(area);
  }

  findArea(va: number): MemoryArea | undefined {
    return this.areas.find((a) => va >= a.start && va < a.end);
  }

  /** Map one page; false when out of memory. */
  map(va: number, pa: number, prot: Protection, owned: boolean): boolean {
    const pte = this.walk(va, true);
    if (pte < 0) return false;
    let flags = PTE_V | PTE_U | PTE_A | PTE_D;
    if (prot.read) flags |= PTE_R;
    if (prot.write) flags |= PTE_W | PTE_R;
    if (prot.execute) flags |= PTE_X;
    this.ram.write64(pte, (BigInt(pa / PAGE_SIZE) << 10n) | BigInt(flags));
    if (owned) this.owned.set(va / PAGE_SIZE, pa);
    return true;
  }

  unmap(va: number): void {
    const pte = this.walk(va, false);
    if (pte >= 0) this.ram.write64(pte, 0n);
    const vpn = va / PAGE_SIZE;
    const pa = this.owned.get(vpn);
    if (pa !== undefined) {
      this.frames.free(pa);
      this.owned.delete(vpn);
    }
  }

  /**
   * Make the page holding `va` present if an area covers it (demand paging); returns its physical
   * address, or -1 (a segmentation fault).
   */
  fault(va: number): number {
    const page = va - (va % PAGE_SIZE);
    const have = this.physical(va);
    if (have >= 0) return have;
    const area = this.findArea(page);
    if (area === undefined) return -1;
    const pa = area.physical !== undefined ? area.physical + (page - area.start) : this.frames.allocate();
    if (pa < 0) return -1;
    if (!this.map(page, pa, area.prot, area.physical === undefined)) return -1;
    return pa + (va - page);
  }

  /** Physical address of `va` if mapped, else -1. */
  physical(va: number): number {
    const pte = this.walk(va, false);
    if (pte < 0) return -1;
    const e = this.ram.read64(pte);
    if ((e & BigInt(PTE_V)) === 0n) return -1;
    return Number((e >> 10n) * PAGE) + (va % PAGE_SIZE);
  }

  /** Copy bytes out of user memory (faulting pages in); undefined on a bad address. */
  read(va: number, length: number): Uint8Array | undefined {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const pa = this.fault(va + done);
      if (pa < 0) return undefined;
      const n = Math.min(length - done, PAGE_SIZE - ((va + done) % PAGE_SIZE));
      out.set(this.ram.slice(pa, n), done);
      done += n;
    }
    return out;
  }

  /** Copy bytes into user memory; false on a bad address. */
  write(va: number, data: Uint8Array): boolean {
    let done = 0;
    while (done < data.length) {
      const pa = this.faultForWrite(va + done);
      if (pa < 0) return false;
      const n = Math.min(data.length - done, PAGE_SIZE - ((va + done) % PAGE_SIZE));
      this.ram.slice(pa, n).set(data.subarray(done, done + n));
      done += n;
    }
    return true;
  }

  /** A NUL-terminated string from user memory (at most `max` bytes). */
  readString(va: number, max = 4096): string | undefined {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const pa = this.fault(va + i);
      if (pa < 0) return undefined;
      const b = this.ram.read8(pa);
      if (b === 0) return Buffer.from(bytes).toString('utf8');
      bytes.push(b);
    }
    return undefined;
  }

  /** Remove [start, end) from the areas and unmap its pages. */
  release(start: number, end: number): void {
    for (let va = start; va < end; va += PAGE_SIZE) if (this.physical(va) >= 0) this.unmap(va);
    for (let i = this.areas.length - 1; i >= 0; i--) {
      const a = this.areas[i]!;
      if (a.end <= start || a.start >= end) continue;
      if (a.start >= start && a.end <= end) this.areas.splice(i, 1);
      else if (a.start < start && a.end > end) {
        this.areas.push({ ...a, start: end });
        a.end = start;
      } else if (a.start < start) a.end = start;
      else a.start = end;
    }
  }

  /**
   * A copy of this space for fork(), copy-on-write: the same areas, heap and mmap cursor, and
   * every page this space owns shared with the child (the frame gets one more owner); writable
   * pages lose PTE_W in both spaces and are marked PTE_COW, so the first store to one (or a
   * kernel write into it) copies it (`breakCow`). Pages of physically contiguous areas are not
   * owned: the child maps the same frames on demand. The caller must flush this space's cached
   * translations. Undefined when memory for the child's page tables runs out (nothing leaks).
   */
  fork(): { space: AddressSpace; pagesShared: number } | undefined {
    let child: AddressSpace;
    try {
      child = new AddressSpace(this.ram, this.frames);
    } catch {
      return undefined;
    }
    for (const a of this.areas) child.areas.push({ ...a, prot: { ...a.prot } });
    child.mmapNext = this.mmapNext;
    child.brkStart = this.brkStart;
    child.brk = this.brk;
    let pagesShared = 0;
    for (const [vpn, pa] of this.owned) {
      const va = vpn * PAGE_SIZE;
      const pte = this.walk(va, false);
      if (pte < 0) continue;
      const slot = child.walk(va, true);
      if (slot < 0) {
        child.destroy();
        return undefined;
      }
      let e = this.ram.read64(pte);
      if ((e & W) !== 0n) {
        e = (e & ~W) | COW;
        this.ram.write64(pte, e);
      }
      this.ram.write64(slot, e);
      this.frames.share(pa);
      child.owned.set(vpn, pa);
      pagesShared++;
    }
    return { space: child, pagesShared };
  }

  /**
   * A store to the copy-on-write page holding `va`: give this space its own writable copy (or,
   * when no other space shares the frame any more, make it writable in place). Its physical
   * address, or -1 when the page is not copy-on-write or memory runs out.
   */
  breakCow(va: number): number {
    const page = va - (va % PAGE_SIZE);
    const pte = this.walk(page, false);
    if (pte < 0) return -1;
    const e = this.ram.read64(pte);
    const pa = this.owned.get(page / PAGE_SIZE);
    if ((e & V) === 0n || (e & COW) === 0n || pa === undefined) return -1;
    const flags = (e & 0x3ffn & ~COW) | W;
    if (this.frames.ownersOf(pa) === 1) {
      this.ram.write64(pte, (e & ~0x3ffn) | flags);
      this.frames.cowReuses++;
      return pa + (va - page);
    }
    const copy = this.frames.allocate();
    if (copy < 0) return -1;
    this.ram.slice(copy, PAGE_SIZE).set(this.ram.slice(pa, PAGE_SIZE));
    this.frames.free(pa);
    this.owned.set(page / PAGE_SIZE, copy);
    this.ram.write64(pte, (BigInt(copy / PAGE_SIZE) << 10n) | flags);
    this.frames.cowCopies++;
    return copy + (va - page);
  }

  /** Like `fault`, for a kernel store: a copy-on-write page is copied first. */
  private faultForWrite(va: number): number {
    const pa = this.fault(va);
    if (pa < 0) return pa;
    const pte = this.walk(va, false);
    if (pte >= 0 && (this.ram.read64(pte) & COW) !== 0n) return this.breakCow(va);
    return pa;
  }

  /** Free every frame: owned pages and page tables. */
  destroy(): void {
    for (const pa of this.owned.values()) this.frames.free(pa);
    // Physically contiguous areas (a VMM's guest RAM) are this space's too: without this a VMM
    // that exits left its guest's RAM allocated for as long as the host ran.
    for (const a of this.areas) if (a.physical !== undefined) for (let pa = a.physical; pa < a.physical + (a.end - a.start); pa += PAGE_SIZE) this.frames.free(pa);
    this.owned.clear();
    for (const t of this.tables) this.frames.free(t);
    this.tables.length = 0;
    this.areas.length = 0;
    for (const w of this.windows.splice(0)) w.retire();
  }

  /** Address of the level-0 PTE for `va`, creating tables when `create`; -1 if absent. */
  private walk(va: number, create: boolean): number {
    if (va < 0 || va >= 2 ** 38) return -1;
    let table = this.root;
    for (let level = 2; level > 0; level--) {
      const idx = Math.floor(va / 2 ** (12 + 9 * level)) % 512;
      const slot = table + idx * 8;
      const e = this.ram.read64(slot);
      if ((e & BigInt(PTE_V)) === 0n) {
        if (!create) return -1;
        const t = this.frames.allocate();
        if (t < 0) return -1;
        this.tables.push(t);
        this.ram.write64(slot, (BigInt(t / PAGE_SIZE) << 10n) | BigInt(PTE_V));
        table = t;
      } else table = Number((e >> 10n) * PAGE);
    }
    return table + (Math.floor(va / PAGE_SIZE) % 512) * 8;
  }
}
