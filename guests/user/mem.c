/*
 * mem: a large working set touched page by page in strided orders, so nearly every access
 * misses the TLB and walks the page table. Each pass writes one 8-byte word per page (a
 * different cache line every pass) in one stride order and reads all of them back in another,
 * verifying the values.
 */
#include "ulib.h"

#define PASSES 4

static u64 gcd(u64 a, u64 b) { while (b) { u64 t = a % b; a = b; b = t; } return a; }

/* A stride coprime with n, so i*stride mod n visits every page once. */
static u64 coprime_stride(u64 want, u64 n) {
  while (gcd(want, n) != 1) want++;
  return want % n ? want : 1;
}

static u64 pattern(u64 page, u64 pass) { return (page + 1) * 0x9E3779B97F4A7C15UL ^ (pass << 56) ^ 0xA5A5; }

int main(int argc, char **argv) {
  u64 mb = arg_u64(argc, argv, "mem.mb", 8);
  u64 npages = mb * 256;
  u8 *base = sbrk((long)(mb << 20));
  if ((long)base == -1 || npages == 0) {
    printf("RESULT mem mb=%lu sbrk-failed fail\n", mb);
    return 1;
  }
  static const u64 wstride[PASSES] = { 1, 17, 61, 257 }, rstride[PASSES] = { 263, 5, 129, 1 };
  int ok = 1;
  u32 crc = 0;
  u64 t0 = time_us();
  for (u64 pass = 0; pass < PASSES; pass++) {
    u64 off = (pass * 64 * 5) % 4096;   /* a different line of the page each pass */
    u64 ws = coprime_stride(wstride[pass], npages), rs = coprime_stride(rstride[pass], npages);
    for (u64 i = 0, pg = 0; i < npages; i++, pg = (pg + ws) % npages)
      *(u64 *)(base + pg * 4096 + off) = pattern(pg, pass);
    for (u64 i = 0, pg = 0; i < npages; i++, pg = (pg + rs) % npages) {
      u64 v = *(volatile u64 *)(base + pg * 4096 + off);
      if (v != pattern(pg, pass)) ok = 0;
      crc = crc32_update(crc, &v, sizeof v);
    }
  }
  u64 t1 = time_us();
  printf("INFO mem time_us=%lu\n", t1 - t0);
  printf("RESULT mem mb=%lu pages=%lu passes=%d crc=0x%08x %s\n", mb, npages, PASSES, crc, ok ? "ok" : "fail");
  return ok ? 0 : 1;
}
