// Test helpers: build Sv39/Sv48 page tables in guest RAM, the way a guest kernel would.
import { Mmu } from '../mmu.js';
import { Ram, RamStore } from '../ram.js';
import { SystemBus } from '../bus.js';
import { PMP_A_SHIFT, PMP_NAPOT, PMP_R, PMP_W, PMP_X } from '../pmp.js';
import { PTE_V } from '../pte.js';

export const RAM_BASE = 0x8000_0000;
export const RAM_SIZE = 4 << 20;

export interface Rig {
  readonly ram: Ram;
  readonly bus: SystemBus;
  readonly mmu: Mmu;
}

/**
 * RAM at 0x8000_0000 on a bus, an MMU, and (by default) a PMP entry letting S/U access everything.
 * `shared`: the RAM is a shared store (RamStore.shared), as for harts on threads.
 */
export function rig(options: { pmpAllowAll?: boolean; shared?: boolean } = {}): Rig {
  const ram = options.shared === true ? new Ram(RAM_BASE, RAM_SIZE, { store: RamStore.shared(RAM_SIZE), offset: 0 }) : new Ram(RAM_BASE, RAM_SIZE);
  const bus = new SystemBus(ram);
  const mmu = new Mmu(bus);
  if (options.pmpAllowAll ?? true) allowAll(mmu, 15);
  return { ram, bus, mmu };
}

/** Make entry `i` a NAPOT entry covering the whole address space with R/W/X (OpenSBI's catch-all). */
export function allowAll(mmu: Mmu, i: number): void {
  mmu.pmp.writeAddr(i, (1n << 54n) - 1n);
  setCfg(mmu, i, (PMP_NAPOT << PMP_A_SHIFT) | PMP_R | PMP_W | PMP_X);
}

/** Write one entry's config byte, preserving the other bytes of its pmpcfg CSR. */
export function setCfg(mmu: Mmu, i: number, byte: number): void {
  const csr = (i >> 3) * 2;
  const shift = BigInt((i & 7) * 8);
  const old = mmu.pmp.readCfg(csr);
  mmu.pmp.writeCfg(csr, (old & ~(0xffn << shift)) | (BigInt(byte) << shift));
}

/** pmpaddr value of a NAPOT region [base, base + size), size a power of two >= 8. */
export const napot = (base: number, size: number): bigint => (BigInt(base) + BigInt(size / 2 - 1)) >> 2n;

/** Builds a page-table tree in RAM, allocating table pages upwards from `next`. */
export class PageTables {
  readonly root: number;
  private next: number;

  constructor(
    private readonly ram: Ram,
    readonly levels: 3 | 4,
    start = RAM_BASE + 0x10_0000,
  ) {
    this.next = start;
    this.root = this.allocTable();
  }

  /** satp value for this tree (MODE 8 Sv39 / 9 Sv48). */
  satp(asid = 0): bigint {
    const mode = this.levels === 3 ? 8n : 9n;
    return (mode << 60n) | (BigInt(asid) << 44n) | BigInt(this.root / 4096);
  }

  allocTable(): number {
    const at = this.next;
    this.next += 4096;
    this.ram.slice(at, 4096).fill(0);
    return at;
  }

  /**
   * Map the page of `va` at `level` (0: 4 KiB, 1: 2 MiB, 2: 1 GiB, 3: 512 GiB) to `pa` with leaf
   * `flags` (V is added). Intermediate tables are created as plain V pointers.
   */
  map(va: bigint, pa: number, flags: number, level = 0, extraHigh = 0n): number {
    const addr = this.pteAddr(va, level, true);
    this.ram.write64(addr, (BigInt(Math.floor(pa / 4096)) << 10n) | BigInt(flags | PTE_V) | extraHigh);
    return addr;
  }

  /** Address of the PTE for `va` at `level`; creates missing tables when `create`. */
  pteAddr(va: bigint, level: number, create = false): number {
    let table = this.root;
    for (let i = this.levels - 1; ; i--) {
      const index = Number((va >> BigInt(12 + 9 * i)) & 511n);
      const addr = table + index * 8;
      if (i === level) return addr;
      let pte = this.ram.read64(addr);
      if ((pte & 1n) === 0n) {
        if (!create) throw new Error(`no table for ${va.toString(16)} at level ${i}`);
        const t = this.allocTable();
        pte = (BigInt(t / 4096) << 10n) | 1n;
        this.ram.write64(addr, pte);
      }
      table = Number(pte >> 10n) * 4096;
    }
  }

  read(addr: number): bigint {
    return this.ram.read64(addr);
  }

  write(addr: number, pte: bigint): void {
    this.ram.write64(addr, pte);
  }
}
