/*
 * Page-table update hooks. Every place the kernel writes a PTE, switches satp or flushes the TLB
 * goes through pv_mmu_*. Native builds inline them to plain stores + sfence.vma; the paravirtual
 * build (-DPARAVIRT) calls out-of-line versions in pv_mmu.c, which batch PTE writes into the
 * hypervisor's paravirtual-MMU hypercalls (include/vm_hypercall.h) when it offers them.
 */
#ifndef PV_MMU_H
#define PV_MMU_H
#include "kernel.h"

#ifdef PARAVIRT
void pv_mmu_set_pte(pte_t *ptep, pte_t val);
void pv_mmu_flush_all(void);
void pv_mmu_flush_va(u64 va);
void pv_mmu_switch(u64 satp);
void pv_mmu_release_table(pte_t *table);  /* a page-table page is about to be freed */
void pv_mmu_new_root(pte_t *root);         /* a fresh (zeroed) page becomes a page-table root */
#else
static inline void pv_mmu_set_pte(pte_t *ptep, pte_t val) { *(volatile pte_t *)ptep = val; }
static inline void pv_mmu_flush_all(void) { sfence_vma_all(); }
static inline void pv_mmu_flush_va(u64 va) { sfence_vma_va(va); }
static inline void pv_mmu_switch(u64 satp) { csr_write(satp, satp); sfence_vma_all(); }
static inline void pv_mmu_release_table(pte_t *table) { (void)table; }
static inline void pv_mmu_new_root(pte_t *root) { (void)root; }
#endif
#endif
