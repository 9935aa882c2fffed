import type { Hart } from '@vm/isa';
import { CSR_SATP } from '@vm/isa';
import type { PvMmuBackend } from '@vm/paravirt';
import type { Vm } from './vm.js';

/**
 * The paravirtual-MMU hypercalls against shadow page tables: because every guest PTE change
 * arrives through mmu_update with its tree known (`PvPageTables`), the shadows are kept exactly in
 * step — a changed 4 KiB leaf unmaps that page from the views of its tree only, a changed table
 * pointer drops that tree's views — and never flushed blindly as a guest SFENCE.VMA forces
 * (trap-and-emulate cannot tell which PTEs changed). tlb_flush then only has to flush the real
 * TLB. NEW_BASEPTR writes the guest's satp without a trapping CSR write.
 */
export class ShadowPvMmu implements PvMmuBackend {
  constructor(
    private readonly vm: Vm,
    private readonly real: Hart,
  ) {}

  invalidatePage(root: number, va: bigint): void {
    this.vm.shadow.paravirtualised();
    const keys = this.vm.shadow.viewsOfGuestRoot(root);
    if (keys.length > 0) {
      this.vm.shadow.unmap(va, keys);
      this.vm.stats.count('shadow.invalidate');
    }
    this.flushReal(va);
  }

  invalidateSpace(root: number): void {
    this.vm.shadow.paravirtualised();
    const keys = this.vm.shadow.viewsOfGuestRoot(root);
    if (keys.length > 0) {
      this.vm.shadow.drop(keys);
      this.vm.stats.count('shadow.drop-view', keys.length);
    }
    this.flushReal(undefined);
  }

  invalidateAll(): void {
    this.vm.shadow.paravirtualised();
    this.vm.shadow.flush();
    this.vm.stats.count('shadow.flush');
    this.flushReal(undefined);
  }

  flushTlb(va: bigint | undefined): void {
    this.vm.shadow.paravirtualised();
    this.flushReal(va);
  }

  setSatp(satp: bigint): void {
    this.vm.shadow.paravirtualised();
    this.vm.vhart.hart.writeCsr(CSR_SATP, satp);
    this.flushReal(undefined);
  }

  /**
   * Both TLBs that may hold the old translation: the real hart's (shadow leaves) and the virtual
   * hart's (guest walks that justify shadow fills) — with no guest SFENCE.VMA, nobody else does.
   */
  private flushReal(va: bigint | undefined): void {
    for (const h of [this.real, this.vm.vhart.hart]) {
      if (va === undefined) h.mmu.flushAll();
      else h.mmu.sfence(va, undefined);
      h.translationChanged();
    }
  }
}
