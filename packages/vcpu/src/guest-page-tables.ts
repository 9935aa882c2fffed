import type { PteMemory, Ram } from '@vm/mmu';
import { ACCESS_LOAD, PAGE_SIZE, PTE_WRITTEN, SATP_MODE_SV39, SATP_MODE_SV48, walkPageTable } from '@vm/mmu';

const PPN_MASK = (1n << 44n) - 1n;
const REGION = 2 * 1024 * 1024;

/**
 * A shadow entry of the view `key`: level 0 = the 4 KiB leaf of `va`; level 1 = the whole 2 MiB
 * slot of `va` (a superpage leaf, or the 4 KiB leaves it was split into).
 */
export interface ShadowEntry {
  readonly key: string;
  readonly va: bigint;
  readonly level: number;
}

/** A writable shadow leaf and the guest-physical address it maps. */
interface WritableLeaf extends ShadowEntry {
  readonly gpa: number;
}

/**
 * Write protection of the guest's page tables (trap-and-emulate): which guest page-table pages the
 * shadow entries were derived from, and which shadow leaves let the guest write guest RAM.
 *
 * When a shadow leaf is filled, the guest walk that justified it (priv spec 4.3.2: root at
 * satp.PPN, one PTE per level down to the leaf; 4.4 Sv39, 4.5 Sv48) is repeated here and every
 * table page on the path is *tracked*, with the entry as its dependant. A tracked page may be mapped
 * only read-only in every view, so a guest store to it takes a store page fault in the shadow: the
 * hypervisor then drops the entries that depended on that table page and emulates the store. The
 * shadows thus follow every guest PTE write, with or without SFENCE.VMA.
 *
 * Invalidation is per table page (coarse): the first write drops all of that page's dependants and
 * untracks it, so a freed table reused as data (or rewritten in bulk) costs one extra exit; it is
 * tracked again when a later fill walks through it.
 */
export class GuestPageTables {
  /** False once the guest keeps its shadows informed itself (PV-MMU hypercalls). */
  enabled = true;
  /** Tracked table page (GPA) → its dependants by entry id. */
  private readonly tables = new Map<number, Map<string, ShadowEntry>>();
  /** 2 MiB region index of guest RAM → writable shadow leaves mapping into it, by entry id. */
  private readonly writable = new Map<number, Map<string, WritableLeaf>>();
  /** 2 MiB region index → how many tracked pages it holds. */
  private readonly perRegion = new Map<number, number>();

  get trackedPages(): number {
    return this.tables.size;
  }

  isTracked(gpa: number): boolean {
    return this.tables.has(gpa - (gpa % PAGE_SIZE));
  }

  /** True when a tracked page lies in the 2 MiB region of `gpa`. */
  anyTracked(gpa: number): boolean {
    return (this.perRegion.get(Math.floor(gpa / REGION)) ?? 0) > 0;
  }

  /**
   * Track the guest table pages the walk of `va` under `satp` reads (priv spec 4.3.2 steps 2-4),
   * with `entry` as their dependant. Returns the pages that were not tracked before: the caller
   * write-protects them (`revokeWrite`).
   */
  record(ram: Ram, satp: bigint, va: bigint, entry: ShadowEntry): number[] {
    if (!this.enabled) return [];
    const mode = Number(satp >> 60n);
    const levels = mode === SATP_MODE_SV39 ? 3 : mode === SATP_MODE_SV48 ? 4 : 0;
    if (levels === 0) return [];
    const fresh: number[] = [];
    const id = entryId(entry);
    // The walk core reads the PTEs the hart would (steps 2-4); every table page it reads is tracked.
    const mem: PteMemory = {
      hi: 0,
      read: (at) => {
        if (!ram.contains(at, 8)) return -1; // a table outside RAM: nothing the guest can store to
        const table = at - (at % PAGE_SIZE);
        let deps = this.tables.get(table);
        if (deps === undefined) {
          deps = new Map();
          this.tables.set(table, deps);
          this.countRegion(table, 1);
          fresh.push(table);
        }
        deps.set(id, entry);
        const pte = ram.read64(at);
        mem.hi = Number(pte >> 32n);
        return Number(pte & 0xffff_ffffn);
      },
      // Recording changes nothing: A/D are set by the guest's own walk (the virtual hart's).
      write: () => PTE_WRITTEN,
    };
    const stage = { levels, widenBits: 0, rootPpn: Number(satp & PPN_MASK), gstage: false, mxr: false };
    walkPageTable(stage, Number(BigInt.asIntN(64, va)), ACCESS_LOAD, mem, { sum: true, mxr: true });
    return fresh;
  }

  /** Remember a writable shadow leaf `entry` mapping guest RAM from `gpa` (a page or 2 MiB base). */
  noteWritable(entry: ShadowEntry, gpa: number): void {
    if (!this.enabled) return;
    const r = Math.floor(gpa / REGION);
    let m = this.writable.get(r);
    if (m === undefined) this.writable.set(r, (m = new Map()));
    m.set(entryId(entry), { ...entry, gpa });
  }

  /** The writable leaves that map the page `gpa` (forgotten here: the caller unmaps them). */
  revokeWrite(gpa: number): ShadowEntry[] {
    const m = this.writable.get(Math.floor(gpa / REGION));
    if (m === undefined) return [];
    const out: ShadowEntry[] = [];
    for (const [id, leaf] of m) {
      if (gpa >= leaf.gpa && gpa < leaf.gpa + (leaf.level > 0 ? REGION : PAGE_SIZE)) {
        out.push(leaf);
        m.delete(id);
      }
    }
    return out;
  }

  /** The guest stores to the tracked table page of `gpa`: its dependants, now untracked. */
  written(gpa: number): ShadowEntry[] {
    const page = gpa - (gpa % PAGE_SIZE);
    const deps = this.tables.get(page);
    if (deps === undefined) return [];
    this.tables.delete(page);
    this.countRegion(page, -1);
    return [...deps.values()];
  }

  private countRegion(page: number, delta: number): void {
    const r = Math.floor(page / REGION);
    const n = (this.perRegion.get(r) ?? 0) + delta;
    if (n > 0) this.perRegion.set(r, n);
    else this.perRegion.delete(r);
  }

  /** Every shadow entry is gone (full flush): nothing depends on anything. */
  reset(): void {
    this.tables.clear();
    this.writable.clear();
    this.perRegion.clear();
  }
}

function entryId(e: ShadowEntry): string {
  return `${e.key}@${e.va.toString(16)}/${e.level}`;
}
