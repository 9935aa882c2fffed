/*
 * Sv39 paging (Privileged spec v1.12, 4.4). Three levels of 512 PTEs; VA bits 38:30, 29:21 and
 * 20:12 index them. The kernel identity-maps MMIO (first GiB) and RAM with 1 GiB leaf PTEs
 * ("gigapages", 4.4.1) marked global, so every user root can share them by copying root slots.
 * User mappings live in root slots 128..255 (VA 0x20_0000_0000..0x3f_ffff_ffff). Every PTE store
 * goes through pv_mmu_set_pte so the paravirtual build can turn it into a hypercall.
 * A and D are set up front: hardware A/D updating is optional (4.3.1), so a leaf without them
 * could fault on a platform that does not update them.
 */
#include "kernel.h"
#include "pv_mmu.h"

pte_t *kernel_root;

#define GIB (1UL << 30)
#define USER_SLOT_FIRST (USER_BASE >> 30)
#define USER_SLOT_END 256UL
#define VPN(va, level) (((va) >> (12 + 9 * (level))) & 0x1ff)

void kvm_init(void) {
  kernel_root = kalloc();
  if (!kernel_root) panic("kvm_init: out of memory");
  pv_mmu_new_root(kernel_root);
  u64 kflags = PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D;
  pv_mmu_set_pte(&kernel_root[0], PA_PTE(0) | kflags);   /* MMIO: PLIC, UART, virtio, test, disk */
  u64 end = boot.ram_base + boot.ram_size;
  for (u64 pa = ALIGN_DOWN(boot.ram_base, GIB); pa < end; pa += GIB) {
    if ((pa >> 30) >= USER_SLOT_FIRST) panic("RAM above 128 GiB not supported");
    pv_mmu_set_pte(&kernel_root[pa >> 30], PA_PTE(pa) | kflags);
  }
  vm_switch(kernel_root);
}

void vm_switch(pte_t *root) { pv_mmu_switch(MAKE_SATP(root)); }

pte_t *uvm_create(void) {
  pte_t *root = kalloc();
  if (!root) return NULL;
  pv_mmu_new_root(root);
  for (int i = 0; i < (int)USER_SLOT_FIRST; i++)
    if (kernel_root[i]) pv_mmu_set_pte(&root[i], kernel_root[i]);
  return root;
}

/* Leaf PTE slot for va, creating intermediate tables when alloc is set. */
static pte_t *walk(pte_t *root, u64 va, int alloc) {
  pte_t *table = root;
  for (int level = 2; level > 0; level--) {
    pte_t *pte = &table[VPN(va, level)];
    if (*pte & PTE_V) {
      if (*pte & (PTE_R | PTE_X)) return NULL;   /* a superpage: not used for user memory */
      table = (pte_t *)PTE_PA(*pte);
    } else {
      if (!alloc) return NULL;
      pte_t *next = kalloc();
      if (!next) return NULL;
      pv_mmu_set_pte(pte, PA_PTE(next) | PTE_V);   /* non-leaf: R=W=X=0 (4.4.1) */
      table = next;
    }
  }
  return &table[VPN(va, 0)];
}

int uvm_map(pte_t *root, u64 va, u64 pa, u64 perm) {
  pte_t *pte = walk(root, va, 1);
  if (!pte) return -1;
  if (*pte & PTE_V) panic("uvm_map: remap of %lx", va);
  pv_mmu_set_pte(pte, PA_PTE(pa) | perm | PTE_U | PTE_V | PTE_A | PTE_D);
  return 0;
}

int uvm_alloc(pte_t *root, u64 va_start, u64 va_end, u64 perm) {
  for (u64 va = ALIGN_DOWN(va_start, PAGE_SIZE); va < va_end; va += PAGE_SIZE) {
    pte_t *old = walk(root, va, 0);
    if (old && (*old & PTE_V)) continue;   /* left over from a failed earlier attempt */
    void *page = kalloc();
    if (!page) return -1;
    if (uvm_map(root, va, (u64)page, perm) < 0) { kfree(page); return -1; }
  }
  return 0;
}

/* Visit every user leaf: fn(va, pte). Tables are walked in VA order. */
static int visit(pte_t *table, int level, u64 va_base, int (*fn)(u64, pte_t *, void *), void *arg) {
  int first = level == 2 ? (int)USER_SLOT_FIRST : 0, end = level == 2 ? USER_SLOT_END : 512;
  for (int i = first; i < end; i++) {
    pte_t pte = table[i];
    if (!(pte & PTE_V)) continue;
    u64 va = va_base | ((u64)i << (12 + 9 * level));
    if (level == 0) {
      if (fn(va, &table[i], arg) < 0) return -1;
    } else if (visit((pte_t *)PTE_PA(pte), level - 1, va, fn, arg) < 0) {
      return -1;
    }
  }
  return 0;
}

static int copy_one(u64 va, pte_t *pte, void *arg) {
  pte_t *dst = arg;
  void *page = kalloc();
  if (!page) return -1;
  memcpy(page, (void *)PTE_PA(*pte), PAGE_SIZE);
  if (uvm_map(dst, va, (u64)page, *pte & (PTE_R | PTE_W | PTE_X)) < 0) { kfree(page); return -1; }
  return 0;
}

/* fork: duplicate every user page (eager copy; no copy-on-write). */
int uvm_copy(pte_t *dst, pte_t *src) { return visit(src, 2, 0, copy_one, dst); }

static void free_tables(pte_t *table, int level) {
  int first = level == 2 ? (int)USER_SLOT_FIRST : 0, end = level == 2 ? USER_SLOT_END : 512;
  for (int i = first; i < end; i++) {
    pte_t pte = table[i];
    if (!(pte & PTE_V)) continue;
    if (level == 0) kfree((void *)PTE_PA(pte));
    else free_tables((pte_t *)PTE_PA(pte), level - 1);
  }
  if (level < 2) { pv_mmu_release_table(table); kfree(table); }
}

/* Free a user address space. The caller must no longer be running on it. */
void uvm_free(pte_t *root) {
  free_tables(root, 2);
  pv_mmu_release_table(root);
  kfree(root);
}

u64 uvm_translate(pte_t *root, u64 va) {
  if (va < USER_BASE || va >= (USER_SLOT_END << 30)) return 0;
  pte_t *pte = walk(root, va, 0);
  if (!pte || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U)) return 0;
  return PTE_PA(*pte) | (va & (PAGE_SIZE - 1));
}

/* The kernel reaches user memory through the identity map of RAM, page by page, so a bad user
 * pointer is an error return rather than a kernel page fault. */
int copy_in(pte_t *root, void *dst, u64 src_va, usize n) {
  u8 *d = dst;
  while (n) {
    u64 pa = uvm_translate(root, src_va);
    if (!pa) return -1;
    usize chunk = PAGE_SIZE - (src_va & (PAGE_SIZE - 1));
    if (chunk > n) chunk = n;
    memcpy(d, (void *)pa, chunk);
    d += chunk; src_va += chunk; n -= chunk;
  }
  return 0;
}

int copy_out(pte_t *root, u64 dst_va, const void *src, usize n) {
  const u8 *s = src;
  while (n) {
    u64 pa = uvm_translate(root, dst_va);
    if (!pa) return -1;
    usize chunk = PAGE_SIZE - (dst_va & (PAGE_SIZE - 1));
    if (chunk > n) chunk = n;
    memcpy((void *)pa, s, chunk);
    s += chunk; dst_va += chunk; n -= chunk;
  }
  return 0;
}

int copy_in_str(pte_t *root, char *dst, u64 src_va, usize max) {
  for (usize i = 0; i < max; i++) {
    u64 pa = uvm_translate(root, src_va + i);
    if (!pa) return -1;
    dst[i] = *(char *)pa;
    if (!dst[i]) return (int)i;
  }
  return -1;
}
