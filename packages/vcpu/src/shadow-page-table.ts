import type { Ram } from '@vm/mmu';
import { PAGE_SIZE, PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X, SATP_MODE_SV48 } from '@vm/mmu';
import { GuestPageTables } from './guest-page-tables.js';

/** Sv48: four levels of 512 eight-byte PTEs (priv spec 4.5). Every Sv39 address is Sv48-canonical. */
const LEVELS = 4;
const PTE_PPN_SHIFT = 10;

/** Permissions of one shadow leaf, as the guest grants them in one view. */
export interface ShadowPermissions {
  readonly read: boolean;
  readonly write: boolean;
  readonly execute: boolean;
}

/**
 * Shadow page tables of one VM: the tables the real hart walks while the VM runs, in a pool of host
 * RAM that belongs to the hypervisor (outside every VM window, so no guest can reach them).
 *
 * One root per guest *view* — (guest satp, virtual privilege, SUM, MXR) — because the same guest
 * virtual address may be allowed differently in each (priv spec 4.3.1: U pages vs. S, SUM, MXR).
 * Leaves always have U=1 (the guest runs in real U-mode) and A=D=1 (the guest's own A/D bits are set
 * by the guest-translation walk that justified the leaf), so the real walker never writes them.
 *
 * Pages come from a bump allocator; when it runs dry, every view is dropped at once (`generation`
 * changes and the caller flushes the real TLB) — the classic "flush the shadow cache" policy.
 */
export class ShadowPageTable {
  /** Bumped whenever tables are freed: cached real-TLB entries of older generations are stale. */
  generation = 0;
  fills = 0;
  flushes = 0;
  /** Write protection of the guest's page tables (trap mode): what each shadow entry was derived from. */
  readonly guestTables = new GuestPageTables();
  private next = 0;
  private readonly views = new Map<string, number>();
  /** The root and satp value satpFor returned last (asked at every resume of a vCPU). */
  private lastRoot = -1;
  private lastSatp = 0n;

  constructor(
    private readonly ram: Ram,
    /** Physical address of the first pool page (4 KiB aligned). */
    readonly poolBase: number,
    readonly poolPages: number,
    /** At most this many cached views (address spaces) before everything is dropped. */
    readonly maxViews = 32,
  ) {}

  /** satp value (MODE=Sv48, ASID 0) of the root of `key`'s view, creating the view if needed. */
  satpFor(key: string): bigint {
    let root = this.views.get(key);
    if (root === this.lastRoot && root !== undefined) return this.lastSatp;
    if (root === undefined) {
      if (this.views.size >= this.maxViews) this.flush();
      root = this.alloc();
      if (root < 0) {
        this.flush();
        root = this.alloc();
      }
      this.views.set(key, root);
    }
    this.lastRoot = root;
    this.lastSatp = (BigInt(SATP_MODE_SV48) << 60n) | BigInt(root / PAGE_SIZE);
    return this.lastSatp;
  }

  /**
   * Map the page of `va` to the host page at `hpa` in the view `key`. Returns false when the pool
   * ran out (everything was flushed; the caller retries after selecting the view again).
   */
  map(key: string, va: bigint, hpa: number, perm: ShadowPermissions, leafLevel = 0): boolean {
    const root = this.views.get(key);
    if (root === undefined) return false;
    const n = Number(BigInt.asUintN(48, va) >> 12n);
    let table = root;
    for (let level = LEVELS - 1; level > leafLevel; level--) {
      const at = table + ((n / 2 ** (9 * level)) & 511) * 8;
      const pte = this.ram.read64(at);
      if ((pte & BigInt(PTE_V)) === 0n || (pte & BigInt(PTE_R | PTE_W | PTE_X)) !== 0n) {
        const page = this.alloc();
        if (page < 0) {
          this.flush();
          return false;
        }
        if (level === 1 && (pte & BigInt(PTE_V)) !== 0n && this.guestTables.enabled) this.splinter(pte, page);
        this.ram.write64(at, (BigInt(page / PAGE_SIZE) << BigInt(PTE_PPN_SHIFT)) | BigInt(PTE_V));
        table = page;
      } else {
        table = Number(pte >> BigInt(PTE_PPN_SHIFT)) * PAGE_SIZE;
      }
    }
    let flags = PTE_V | PTE_U | PTE_A | PTE_D;
    if (perm.read) flags |= PTE_R;
    if (perm.write) flags |= PTE_W | PTE_R; // W without R is reserved (priv spec 4.3.1)
    if (perm.execute) flags |= PTE_X;
    // A superpage leaf (leafLevel 1 = 2 MiB) replaces whatever table hung there: its pages were
    // 4 KiB leaves of the same guest superpage, and the caller flushes the real TLB.
    const slot = (n / 2 ** (9 * leafLevel)) & 511;
    this.ram.write64(table + slot * 8, (BigInt(Math.floor(hpa / PAGE_SIZE)) << BigInt(PTE_PPN_SHIFT)) | BigInt(flags));
    this.fills++;
    return true;
  }

  /**
   * Fill the fresh level-0 `table` with the 512 read-only pages of the superpage leaf `pte` it
   * replaces (priv spec 4.3.1: a 2 MiB leaf maps PPN + i for VPN[0] = i), so splitting a superpage
   * for one 4 KiB leaf costs no refaults on its neighbours. Only with write protection: the
   * superpage's dependants are then 2 MiB entries, whose invalidation drops the whole slot.
   */
  private splinter(pte: bigint, table: number): void {
    const flags = (pte & 0x3ffn) & ~BigInt(PTE_W);
    const ppn = pte >> BigInt(PTE_PPN_SHIFT);
    for (let i = 0; i < 512; i++) this.ram.write64(table + i * 8, ((ppn + BigInt(i)) << BigInt(PTE_PPN_SHIFT)) | flags);
  }

  /** Remove a shadow entry of view `key`: the 4 KiB leaf of va (level 0) or its whole 2 MiB slot (level 1). */
  unmapEntry(key: string, va: bigint, level: number): void {
    if (level === 0) return this.unmap(va, [key]);
    const root = this.views.get(key);
    if (root === undefined) return;
    const n = Number(BigInt.asUintN(48, va) >> 12n);
    let table = root;
    for (let l = LEVELS - 1; l > 1; l--) {
      const pte = this.ram.read64(table + ((n / 2 ** (9 * l)) & 511) * 8);
      if ((pte & BigInt(PTE_V)) === 0n || (pte & BigInt(PTE_R | PTE_W | PTE_X)) !== 0n) return;
      table = Number(pte >> BigInt(PTE_PPN_SHIFT)) * PAGE_SIZE;
    }
    // The level-0 table under it (if any) stays allocated until the next full flush.
    this.ram.write64(table + ((n / 512) & 511) * 8, 0n);
  }

  /** True when the 2 MiB slot of `va` in view `key` holds a table of 4 KiB leaves (not a leaf, not empty). */
  isSplit(key: string, va: bigint): boolean {
    const root = this.views.get(key);
    if (root === undefined) return false;
    const n = Number(BigInt.asUintN(48, va) >> 12n);
    let table = root;
    for (let level = LEVELS - 1; level >= 1; level--) {
      const pte = this.ram.read64(table + ((n / 2 ** (9 * level)) & 511) * 8);
      if ((pte & BigInt(PTE_V)) === 0n || (pte & BigInt(PTE_R | PTE_W | PTE_X)) !== 0n) return false;
      table = Number(pte >> BigInt(PTE_PPN_SHIFT)) * PAGE_SIZE;
    }
    return true;
  }

  /**
   * Keys of the views built from the guest page tables rooted at `guestRoot` (a guest-physical
   * address): views are named `<guest satp hex>/...`, whose PPN is the guest root's.
   */
  viewsOfGuestRoot(guestRoot: number): string[] {
    const ppn = BigInt(guestRoot / PAGE_SIZE);
    const out: string[] = [];
    for (const key of this.views.keys()) {
      const slash = key.indexOf('/');
      const head = key.slice(0, slash);
      if (head === 'M' || head === 'M+mprv' || head === 'bare' || slash < 0) continue;
      if ((BigInt('0x' + head) & ((1n << 44n) - 1n)) === ppn) out.push(key);
    }
    return out;
  }

  /** Forget the given views (their pool pages stay used until the next full flush). */
  drop(keys: readonly string[]): void {
    for (const k of keys) this.views.delete(k);
  }

  /** Remove the leaf for `va` from every view, or from the `only` ones (a guest SFENCE.VMA with an address). */
  unmap(va: bigint, only?: readonly string[]): void {
    const n = Number(BigInt.asUintN(48, va) >> 12n);
    const roots = only === undefined ? [...this.views.values()] : only.map((k) => this.views.get(k)).filter((r): r is number => r !== undefined);
    for (const root of roots) {
      let table = root;
      let present = true;
      let leaf = false;
      for (let level = LEVELS - 1; level > 0 && present && !leaf; level--) {
        const at = table + ((n / 2 ** (9 * level)) & 511) * 8;
        const pte = this.ram.read64(at);
        present = (pte & BigInt(PTE_V)) !== 0n;
        if (present && (pte & BigInt(PTE_R | PTE_W | PTE_X)) !== 0n) {
          // A shadow superpage covers va: drop it whole (its other pages refill on demand).
          this.ram.write64(at, 0n);
          leaf = true;
        }
        table = Number(pte >> BigInt(PTE_PPN_SHIFT)) * PAGE_SIZE;
      }
      if (present && !leaf) this.ram.write64(table + (n & 511) * 8, 0n);
    }
  }

  /** Drop every view (guest SFENCE.VMA of everything, PMP change, pool exhaustion). */
  flush(): void {
    this.views.clear();
    this.guestTables.reset();
    this.next = 0;
    this.generation++;
    this.flushes++;
  }

  /**
   * True while every guest page-table write reaches the shadows (write protection): a guest
   * SFENCE.VMA then has nothing left to flush in them, and views survive address-space switches.
   */
  get coherent(): boolean {
    return this.guestTables.enabled;
  }

  /** The guest updates its page tables through the PV-MMU hypercalls: stop write-protecting them. */
  paravirtualised(): void {
    if (!this.guestTables.enabled) return;
    this.guestTables.enabled = false;
    // Split superpages (`splinter`) are coherent only under write protection.
    this.flush();
  }

  get viewCount(): number {
    return this.views.size;
  }

  /** A zeroed pool page, or -1 when the pool is used up. */
  private alloc(): number {
    if (this.next >= this.poolPages) return -1;
    const pa = this.poolBase + this.next * PAGE_SIZE;
    this.next++;
    this.ram.slice(pa, PAGE_SIZE).fill(0);
    return pa;
  }
}
