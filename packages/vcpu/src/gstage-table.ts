import type { Ram } from '@vm/mmu';
import { PAGE_SIZE, PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from '@vm/mmu';
import type { HostRegion } from './vm.js';

/** hgatp.MODE Sv39x4 (priv spec 8.2.10). */
const HGATP_MODE_SV39X4 = 8n;
const PPN_SHIFT = 10n;
const GIB = 1024 * 1024 * 1024;
const SUPERPAGE = 2 * 1024 * 1024;
/** The Sv39x4 root: 2048 entries, 16 KiB, 16 KiB-aligned (priv spec 8.5.1). */
const ROOT_SIZE = 4 * PAGE_SIZE;

/**
 * A VM's G-stage page table (guest-physical → host-physical, priv spec 8.5), built by the
 * hypervisor in its own memory: the guest's RAM is mapped with 2 MiB leaves onto its window of
 * host RAM, read/write/execute and U (every G-stage access counts as a U-mode access, 8.5.1);
 * everything else — the devices — is left unmapped, so a guest access there is a guest-page fault
 * that the hypervisor emulates.
 */
export class GStageTable {
  /** hgatp value: Sv39x4, VMID, root PPN. */
  readonly hgatp: bigint;

  constructor(ram: Ram, region: HostRegion, guestBase: number, window: HostRegion, vmid: number) {
    if (window.size % SUPERPAGE !== 0 || window.base % SUPERPAGE !== 0 || guestBase % SUPERPAGE !== 0) {
      throw new Error('G-stage: guest RAM must be a 2 MiB-aligned multiple of 2 MiB');
    }
    const root = Math.ceil(region.base / ROOT_SIZE) * ROOT_SIZE;
    const gibs = Math.ceil((guestBase + window.size) / GIB) - Math.floor(guestBase / GIB);
    if (root + ROOT_SIZE + gibs * PAGE_SIZE > region.base + region.size) throw new Error('G-stage: table region too small');
    ram.fill(root, ROOT_SIZE + gibs * PAGE_SIZE);
    const tables = new Map<number, number>();
    let next = root + ROOT_SIZE;
    const leafFlags = BigInt(PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
    for (let off = 0; off < window.size; off += SUPERPAGE) {
      const gpa = guestBase + off;
      const gib = Math.floor(gpa / GIB);
      let l1 = tables.get(gib);
      if (l1 === undefined) {
        l1 = next;
        next += PAGE_SIZE;
        tables.set(gib, l1);
        ram.write64(root + gib * 8, (BigInt(l1 / PAGE_SIZE) << PPN_SHIFT) | BigInt(PTE_V));
      }
      const slot = Math.floor((gpa % GIB) / SUPERPAGE);
      ram.write64(l1 + slot * 8, (BigInt((window.base + off) / PAGE_SIZE) << PPN_SHIFT) | leafFlags);
    }
    this.hgatp = (HGATP_MODE_SV39X4 << 60n) | (BigInt(vmid) << 44n) | BigInt(root / PAGE_SIZE);
  }

  /** Host bytes needed for the tables of `size` bytes of guest RAM at `guestBase` (with alignment slack). */
  static regionSize(guestBase: number, size: number): number {
    const gibs = Math.ceil((guestBase + size) / GIB) - Math.floor(guestBase / GIB);
    return 2 * ROOT_SIZE + gibs * PAGE_SIZE;
  }
}
