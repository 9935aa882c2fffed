/*
 * vm hypervisor hypercalls: the paravirtual-MMU extension of the vm hypervisors' SBI.
 *
 * An SBI firmware-specific extension (SBI spec v2.0, 3.1 table 1: EIDs 0x0A000000-0x0AFFFFFF, low
 * 24 bits = the SBI implementation ID). Our implementation ID (sbi_get_impl_id) is 0x564D50 "VMP",
 * so the EID is 0x0A564D50. Calling convention as every SBI call: a7 = EID, a6 = FID, a0..a5
 * arguments; returns a0 = error (SBI_SUCCESS 0 or a negative SBI error code), a1 = value.
 * Present only when sbi_probe_extension(VMPV_EID) returns nonzero (the native hypervisor offers it
 * in trap-and-emulate mode, where the guest's page tables are shadowed); on bare firmware, under
 * the H extension and on QEMU the probe returns 0 and a kernel writes PTEs and SFENCE.VMAs itself.
 *
 * In the manner of Xen's mmu_update: the kernel registers its page-table roots, hands the
 * hypervisor every PTE it writes (in batches), and flushes through the hypervisor instead of
 * executing SFENCE.VMA (which traps and makes a shadowing hypervisor drop all its shadow tables).
 * The hypervisor validates each entry, writes the value into guest memory and updates or
 * invalidates exactly the translations derived from the old value, in the same call.
 *
 * FID 0  pt_register(a0 = root_gpa, a1 = levels)
 *        root_gpa (4 KiB aligned, in guest RAM) becomes the root of a page-table tree of `levels`
 *        levels (3 = Sv39, 4 = Sv48; 0 means 3). Its current entries are taken as they are; every
 *        later change must come through mmu_update. Registering a known root starts it afresh.
 *        Errors: INVALID_ADDRESS (-5) root not an aligned RAM page, INVALID_PARAM (-3) levels.
 * FID 1  pt_release(a0 = table_gpa)
 *        The page stops being a page table (call before freeing it). A root releases its whole
 *        tree and every translation derived from it. Errors: INVALID_ADDRESS.
 * FID 2  mmu_update(a0 = batch_gpa, a1 = count)
 *        Apply `count` (<= VMPV_MAX_BATCH) entries of struct vmpv_entry at batch_gpa (8-byte
 *        aligned, in guest RAM), in order. ptr's low 3 bits select the command (VMPV_CMD_*):
 *          PT_UPDATE    ptr = PTE address (8-byte aligned, in guest RAM), val = new PTE
 *          PT_REGISTER  ptr = root address, val = levels              (as FID 0)
 *          PT_RELEASE   ptr = table address                           (as FID 1)
 *          NEW_BASEPTR  val = new satp value (the hypervisor writes the guest's satp)
 *          TLB_FLUSH    ptr = virtual address, val bit 0 = all addresses (as FID 3)
 *        Returns value = number of entries applied. On a bad entry the call stops there:
 *        a0 = INVALID_ADDRESS / INVALID_PARAM, a1 = index of the bad entry (those before it are
 *        applied). Errors for the batch itself: INVALID_ADDRESS, INVALID_PARAM (count too big).
 * FID 3  tlb_flush(a0 = va, a1 = asid, a2 = all)
 *        Flush cached translations of va in address space asid (all != 0: every address and
 *        address space). Entries applied by mmu_update need no flush; this is for the kernel's
 *        own ordering points (Priv. spec 4.2.1). Always succeeds.
 * Any other FID: NOT_SUPPORTED (-2).
 */
#ifndef VM_HYPERCALL_H
#define VM_HYPERCALL_H
#include "sbi.h"

#define VMPV_EID 0x0A564D50UL
#define VMPV_FID_PT_REGISTER 0
#define VMPV_FID_PT_RELEASE  1
#define VMPV_FID_MMU_UPDATE  2
#define VMPV_FID_TLB_FLUSH   3

#define VMPV_CMD_PT_UPDATE   0
#define VMPV_CMD_PT_REGISTER 1
#define VMPV_CMD_PT_RELEASE  2
#define VMPV_CMD_NEW_BASEPTR 3
#define VMPV_CMD_TLB_FLUSH   4

#define VMPV_MAX_BATCH 1024

/* SBI error codes used above (SBI spec 3.2). */
#define SBI_ERR_NOT_SUPPORTED   (-2)
#define SBI_ERR_INVALID_PARAM   (-3)
#define SBI_ERR_INVALID_ADDRESS (-5)

struct vmpv_entry { u64 ptr; u64 val; };

static inline struct sbiret vmpv_pt_register(u64 root, u64 levels) {
  return sbi_call(VMPV_EID, VMPV_FID_PT_REGISTER, root, levels, 0);
}
static inline struct sbiret vmpv_pt_release(u64 table) {
  return sbi_call(VMPV_EID, VMPV_FID_PT_RELEASE, table, 0, 0);
}
static inline struct sbiret vmpv_mmu_update(const struct vmpv_entry *batch, u64 count) {
  return sbi_call(VMPV_EID, VMPV_FID_MMU_UPDATE, (u64)batch, count, 0);
}
static inline struct sbiret vmpv_tlb_flush(u64 va, u64 asid, u64 all) {
  return sbi_call(VMPV_EID, VMPV_FID_TLB_FLUSH, va, asid, all);
}
#endif
