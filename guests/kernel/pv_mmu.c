/* Paravirtual MMU hook layer (PARAVIRT build only). For now each hook performs the native
 * operation; the hypervisor's hypercalls replace the bodies later without touching vm.c.
 * The fence order follows Priv. spec 4.2.1: store the PTE, then sfence.vma, before relying on it. */
#include "pv_mmu.h"

#ifdef PARAVIRT
void pv_mmu_set_pte(pte_t *ptep, pte_t val) {
  *(volatile pte_t *)ptep = val;
  /* An invalid->valid change needs no flush on its own, but a permission downgrade does; the
   * callers flush explicitly where required, so this hook only stores. */
}
void pv_mmu_flush_all(void) { sfence_vma_all(); }
void pv_mmu_flush_va(u64 va) { sfence_vma_va(va); }
void pv_mmu_switch(u64 satp) { csr_write(satp, satp); sfence_vma_all(); }
void pv_mmu_release_table(pte_t *table) { (void)table; }
#endif
