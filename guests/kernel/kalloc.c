/* Physical page allocator: a free list threaded through the free pages themselves. */
#include "kernel.h"

struct run { struct run *next; };
static struct run *freelist;
static u64 nfree;

void kalloc_init(u64 start, u64 end) {
  start = ALIGN_UP(start, PAGE_SIZE);
  u64 dtb_lo = ALIGN_DOWN(boot.dtb_pa, PAGE_SIZE), dtb_hi = ALIGN_UP(boot.dtb_pa + boot.dtb_size, PAGE_SIZE);
  /* Push in descending order so allocation proceeds upward from the kernel (deterministic). */
  for (u64 pa = ALIGN_DOWN(end, PAGE_SIZE) - PAGE_SIZE; pa >= start; pa -= PAGE_SIZE) {
    if (pa >= dtb_lo && pa < dtb_hi) continue;   /* keep the DTB intact (we may re-read it) */
    struct run *r = (struct run *)pa;
    r->next = freelist;
    freelist = r;
    nfree++;
  }
}

void *kalloc(void) {
  struct run *r = freelist;
  if (!r) return NULL;
  freelist = r->next;
  nfree--;
  memset(r, 0, PAGE_SIZE);
  return r;
}

void kfree(void *page) {
  struct run *r = page;
  if ((u64)page & (PAGE_SIZE - 1)) panic("kfree: unaligned %p", page);
  r->next = freelist;
  freelist = r;
  nfree++;
}

u64 kalloc_free_pages(void) { return nfree; }
