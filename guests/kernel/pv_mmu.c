/* Paravirtual MMU hook layer (PARAVIRT build only), on the vm hypervisor's PV-MMU hypercalls
 * (include/vm_hypercall.h) when sbi_probe_extension says they are there, else the native
 * operations (direct PTE stores + sfence.vma; so kernel-pv still runs on bare OpenSBI and QEMU).
 *
 * With the hypercalls, PTE writes are queued as mmu_update entries and handed over in batches:
 * at every ordering point (flush, address-space switch) and when the queue is full. The PTE is
 * also stored at once (write-through), so the kernel's own walks (vm.c walk, uvm_translate) see
 * it; the hypervisor re-applies the value and fixes its shadows when the batch arrives, which is
 * exactly the window a native TLB may hold a stale entry until the next sfence.vma (Priv. spec
 * 4.2.1). No sfence.vma is executed: the hypervisor keeps its translations exact. */
#include "pv_mmu.h"
#include "vm_hypercall.h"

#ifdef PARAVIRT
#define PV_QUEUE 256   /* entries per batch: one 4 KiB page */

static int pv_state = -1;   /* -1 not probed yet, 0 native, 1 hypercalls */
static struct vmpv_entry queue[PV_QUEUE] __attribute__((aligned(16)));
static unsigned queued;

static int pv_on(void) {
  if (pv_state < 0) pv_state = sbi_probe(VMPV_EID);
  return pv_state;
}

static void pv_submit(void) {
  if (!queued) return;
  /* The kernel is identity-mapped: the queue's VA is its guest-physical address. */
  struct sbiret r = vmpv_mmu_update(queue, queued);
  if (r.error) panic("mmu_update: error %ld at entry %ld", r.error, r.value);
  queued = 0;
}

static void pv_queue(u64 ptr, u64 val) {
  queue[queued].ptr = ptr;
  queue[queued].val = val;
  if (++queued == PV_QUEUE) pv_submit();
}

void pv_mmu_set_pte(pte_t *ptep, pte_t val) {
  *(volatile pte_t *)ptep = val;
  if (pv_on()) pv_queue((u64)ptep | VMPV_CMD_PT_UPDATE, val);
}

void pv_mmu_new_root(pte_t *root) {
  if (pv_on()) pv_queue((u64)root | VMPV_CMD_PT_REGISTER, 3);
}

void pv_mmu_flush_all(void) {
  if (!pv_on()) { sfence_vma_all(); return; }
  pv_queue(VMPV_CMD_TLB_FLUSH, 1);
  pv_submit();
}

void pv_mmu_flush_va(u64 va) {
  if (!pv_on()) { sfence_vma_va(va); return; }
  pv_queue((va & ~7UL) | VMPV_CMD_TLB_FLUSH, 0);
  pv_submit();
}

void pv_mmu_switch(u64 satp) {
  if (!pv_on()) { csr_write(satp, satp); sfence_vma_all(); return; }
  pv_queue(VMPV_CMD_NEW_BASEPTR, satp);
  pv_submit();
}

void pv_mmu_release_table(pte_t *table) {
  if (pv_on()) pv_queue((u64)table | VMPV_CMD_PT_RELEASE, 0);
}
#endif
