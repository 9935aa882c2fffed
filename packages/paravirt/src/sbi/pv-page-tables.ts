import type { GuestMemory } from '@vm/core';

const PAGE_SIZE = 4096;
const PTE_V = 1n;
const PTE_RWX = 0xen;
const PPN_SHIFT = 10n;
const PPN_MASK = (1n << 44n) - 1n;

/** What the hypervisor does when the guest's page tables change (its shadows, its TLB). */
export interface PvMmuBackend {
  /** The 4 KiB translation of `va` in the address space rooted at `root` is stale. */
  invalidatePage(root: number, va: bigint): void;
  /** Every translation of the address space rooted at `root` is stale (or the root is gone). */
  invalidateSpace(root: number): void;
  /** A page-table change the tracker could not attribute (unregistered table): drop everything. */
  invalidateAll(): void;
  /** tlb_flush: the guest wants its TLB flushed (`va` undefined: all; `asid` undefined: all). */
  flushTlb(va: bigint | undefined, asid: bigint | undefined): void;
  /** Switch the guest's satp (the batch command NEW_BASEPTR). */
  setSatp?(satp: bigint): void;
}

/** One page-table page the guest registered: where it sits in which tree, and its last PTEs. */
interface Table {
  readonly root: number;
  /** Level of its PTEs (levels-1 for the root, 0 for leaves of 4 KiB pages). */
  readonly level: number;
  readonly vaBase: bigint;
  /** The values last installed through mmu_update (0 for a fresh, zeroed table). */
  readonly values: BigUint64Array;
}

/**
 * The guest's registered page tables, as a paravirtual-MMU hypervisor keeps them (in the manner
 * of Xen's pinned page tables): for every table page its tree, level and virtual base, and the
 * PTE values the guest installed through mmu_update. A PTE update then knows exactly which
 * translation it changes: an invalid entry becoming valid needs nothing (nothing was cached), a
 * changed 4 KiB leaf invalidates that page, a changed table pointer or superpage its whole tree.
 */
export class PvPageTables {
  private readonly tables = new Map<number, Table>();
  /** Counters for accounting (`pv.*`). */
  updates = 0;
  invalidations = 0;

  constructor(private readonly memory: GuestMemory, private readonly backend: PvMmuBackend) {}

  /** pt_register: `root` (a table page in guest RAM) is the root of a tree with `levels` levels. */
  register(root: number, levels: number): boolean {
    if (root % PAGE_SIZE !== 0 || !this.memory.contains(root, PAGE_SIZE) || levels < 3 || levels > 5) return false;
    this.dropTree(root);
    this.track(root, root, levels - 1, 0n);
    return true;
  }

  /** pt_release: the table page (a root: its whole tree) is no longer a page table. */
  release(table: number): boolean {
    const t = this.tables.get(table);
    if (t === undefined) return false;
    if (t.root === table) {
      this.dropTree(table);
    } else {
      this.tables.delete(table);
    }
    this.backend.invalidateSpace(t.root);
    this.invalidations++;
    return true;
  }

  /**
   * Apply one PTE update: `pteAddr` must be 8-byte aligned in guest RAM (checked by the caller).
   * The value is written into guest memory; translations derived from the old value are dropped.
   */
  update(pteAddr: number, value: bigint): void {
    this.updates++;
    this.memory.write64(pteAddr, value);
    const page = pteAddr - (pteAddr % PAGE_SIZE);
    const t = this.tables.get(page);
    if (t === undefined) {
      // Not a registered table (or a page-table page of a tree never registered): we cannot say
      // what it maps, so nothing derived from any table may survive.
      this.backend.invalidateAll();
      this.invalidations++;
      return;
    }
    const index = (pteAddr % PAGE_SIZE) / 8;
    const old = t.values[index]!;
    t.values[index] = value;
    const va = t.vaBase + (BigInt(index) << BigInt(12 + 9 * t.level));
    if ((old & PTE_V) !== 0n && old !== value) {
      if (t.level === 0 && (old & PTE_RWX) !== 0n) this.backend.invalidatePage(t.root, va);
      else {
        if ((old & PTE_RWX) === 0n) this.forget(ptePage(old), t.root);
        this.backend.invalidateSpace(t.root);
      }
      this.invalidations++;
    }
    if ((value & PTE_V) !== 0n && (value & PTE_RWX) === 0n && t.level > 0) {
      const child = ptePage(value);
      if (this.memory.contains(child, PAGE_SIZE)) this.track(child, t.root, t.level - 1, va);
    }
  }

  /** The tree a table page belongs to, or undefined. */
  rootOf(table: number): number | undefined {
    return this.tables.get(table)?.root;
  }

  get tableCount(): number {
    return this.tables.size;
  }

  private track(page: number, root: number, level: number, vaBase: bigint): void {
    // A table becomes known with the entries it holds now (a fresh table is zeroed).
    const values = new BigUint64Array(512);
    for (let i = 0; i < 512; i++) values[i] = this.memory.read64(page + i * 8);
    this.tables.set(page, { root, level, vaBase, values });
    if (level === 0) return;
    for (let i = 0; i < 512; i++) {
      const v = values[i]!;
      if ((v & PTE_V) !== 0n && (v & PTE_RWX) === 0n) {
        const child = ptePage(v);
        if (this.memory.contains(child, PAGE_SIZE) && !this.tables.has(child)) {
          this.track(child, root, level - 1, vaBase + (BigInt(i) << BigInt(12 + 9 * level)));
        }
      }
    }
  }

  private forget(page: number, root: number): void {
    const t = this.tables.get(page);
    if (t === undefined || t.root !== root) return;
    this.tables.delete(page);
    if (t.level > 0) for (const v of t.values) if ((v & PTE_V) !== 0n && (v & PTE_RWX) === 0n) this.forget(ptePage(v), root);
  }

  private dropTree(root: number): void {
    for (const [page, t] of this.tables) if (t.root === root) this.tables.delete(page);
  }
}

const ptePage = (pte: bigint): number => Number((pte >> PPN_SHIFT) & PPN_MASK) * PAGE_SIZE;
