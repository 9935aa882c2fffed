/*
 * bzip2 benchmark harness (bare metal, M-mode, virt board): Debian's libbz2 (bzip2 1.0.8, the
 * compressor SPEC CPU ships as 401.bzip2) compresses a generated text-like buffer (`bzip2.kib=K`, 1..128, default 128) and
 * decompresses it again, `bzip2.iters=N` times (from the kernel command line, -append), checking
 * every round trip. Output is deterministic: the same lines on QEMU and on vm, so a run can be
 * compared and timed side by side (packages/isa/bench/translator-vs-qemu.sh).
 * Only the harness is ours; libbz2's sources come from `apt-get source bzip2` (build.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include "bzlib.h"

/* ---- freestanding runtime: what the compiler and libbz2 call ---- */
void *memcpy(void *d, const void *s, size_t n) { uint8_t *a = d; const uint8_t *b = s; while (n--) *a++ = *b++; return d; }
void *memmove(void *d, const void *s, size_t n) {
  uint8_t *a = d; const uint8_t *b = s;
  if (a < b) while (n--) *a++ = *b++; else { a += n; b += n; while (n--) *--a = *--b; }
  return d;
}
void *memset(void *d, int c, size_t n) { uint8_t *a = d; while (n--) *a++ = (uint8_t)c; return d; }
int memcmp(const void *x, const void *y, size_t n) {
  const uint8_t *a = x, *b = y;
  for (; n; n--, a++, b++) if (*a != *b) return *a - *b;
  return 0;
}

/* ns16550a UART of the virt board (THR at +0, LSR at +5, bit 5 = THR empty) */
#define UART ((volatile uint8_t *)0x10000000UL)
static void putc_(char c) { while (!(UART[5] & 0x20)) {} UART[0] = (uint8_t)c; }
static void puts_(const char *s) { while (*s) { if (*s == '\n') putc_('\r'); putc_(*s++); } }
static void putu(uint64_t v) { char b[24]; int i = 0; do b[i++] = (char)('0' + v % 10); while (v /= 10); while (i) putc_(b[--i]); }
static void puthex(uint32_t v) { for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]); }

void bz_internal_error(int code) { puts_("bzip2: internal error "); putu((uint64_t)code); puts_("\n"); for (;;) {} }

/* ---- bump allocator over the RAM after the image, reset every round ---- */
extern char _end[];
static uintptr_t heap, heap_start;
static void *bz_alloc(void *opaque, int items, int size) {
  (void)opaque;
  uintptr_t p = (heap + 15) & ~(uintptr_t)15;
  heap = p + (uintptr_t)items * (uintptr_t)size;
  return (void *)p;
}
static void bz_free(void *opaque, void *p) { (void)opaque; (void)p; }
/* libbz2's default allocators (unused: every stream here names bz_alloc/bz_free) still link to these. */
void *malloc(size_t n) { return bz_alloc(0, (int)n, 1); }
void free(void *p) { (void)p; }

/* ---- the devicetree's /chosen/bootargs (devicetree spec 5.4: structure block tokens) ---- */
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static const char *bootargs(const uint8_t *fdt) {
  if (!fdt || be32(fdt) != 0xd00dfeedu) return "";
  const uint8_t *p = fdt + be32(fdt + 8);
  const char *strings = (const char *)fdt + be32(fdt + 12);
  for (;;) {
    uint32_t tok = be32(p);
    p += 4;
    if (tok == 1) { while (*p) p++; p = (const uint8_t *)(((uintptr_t)p + 4) & ~(uintptr_t)3); }
    else if (tok == 3) {
      uint32_t len = be32(p), name = be32(p + 4);
      const char *n = strings + name, *want = "bootargs";
      while (*n && *n == *want) { n++; want++; }
      if (*n == 0 && *want == 0) return (const char *)p + 8;
      p += 8 + ((len + 3) & ~3u);
    } else if (tok == 2 || tok == 4) continue;
    else return "";
  }
}
static uint64_t arg_u64(const char *s, const char *key, uint64_t dflt) {
  for (; *s; s++) {
    const char *a = s, *k = key;
    while (*k && *a == *k) { a++; k++; }
    if (*k == 0 && *a == '=') {
      uint64_t v = 0;
      for (a++; *a >= '0' && *a <= '9'; a++) v = v * 10 + (uint64_t)(*a - '0');
      return v;
    }
  }
  return dflt;
}

/* ---- input: text-like (words from a small vocabulary, xorshift-chosen) and a random tail ---- */
#define IN_SIZE (128 * 1024)
static char in[IN_SIZE], out[IN_SIZE + IN_SIZE / 100 + 600], back[IN_SIZE];
static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static const char *const words[] = {
  "the", "machine", "hart", "trap", "page", "table", "guest", "host", "virtual", "memory", "device",
  "interrupt", "timer", "block", "translate", "cache", "of", "and", "a", "to", "in", "is", "that",
  "for", "with", "on", "each", "shadow", "stage", "exit", "vcpu", "register", "instruction",
};
static size_t inSize = IN_SIZE;
static void fill(void) {
  size_t n = 0;
  while (n < inSize * 7 / 8) {
    const char *w = words[next() % (sizeof words / sizeof words[0])];
    while (*w && n < inSize) in[n++] = *w++;
    if (n < inSize) in[n++] = next() % 11 == 0 ? '\n' : ' ';
  }
  while (n < inSize) in[n++] = (char)next();
}

static uint32_t crc32(uint32_t c, const char *p, size_t n) {
  c = ~c;
  while (n--) { c ^= (uint8_t)*p++; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1))); }
  return ~c;
}

int main(const uint8_t *fdt) {
  const char *args = bootargs(fdt);
  uint64_t iters = arg_u64(args, "bzip2.iters", 1), kib = arg_u64(args, "bzip2.kib", IN_SIZE / 1024);
  if (kib < 1 || kib > IN_SIZE / 1024) { puts_("bzip2: bzip2.kib must be 1..128\n"); return 1; }
  inSize = kib * 1024;
  heap_start = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;
  fill();
  uint32_t sum = 0;
  unsigned outLen = 0;
  for (uint64_t it = 0; it < iters; it++) {
    in[it % inSize] ^= (char)it; /* each round compresses a slightly different buffer */
    bz_stream s;
    heap = heap_start;
    s.bzalloc = bz_alloc; s.bzfree = bz_free; s.opaque = 0;
    if (BZ2_bzCompressInit(&s, 9, 0, 0) != BZ_OK) return 2;
    s.next_in = in; s.avail_in = (unsigned)inSize; s.next_out = out; s.avail_out = sizeof out;
    if (BZ2_bzCompress(&s, BZ_FINISH) != BZ_STREAM_END) return 3;
    outLen = s.total_out_lo32;
    BZ2_bzCompressEnd(&s);
    heap = heap_start;
    s.bzalloc = bz_alloc; s.bzfree = bz_free; s.opaque = 0;
    if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) return 4;
    s.next_in = out; s.avail_in = outLen; s.next_out = back; s.avail_out = sizeof back;
    if (BZ2_bzDecompress(&s) != BZ_STREAM_END || s.total_out_lo32 != inSize) return 5;
    BZ2_bzDecompressEnd(&s);
    if (memcmp(in, back, inSize) != 0) return 6;
    sum = crc32(sum, out, outLen);
  }
  puts_("bzip2: iters="); putu(iters); puts_(" in="); putu(inSize); puts_(" out="); putu(outLen);
  puts_(" crc=0x"); puthex(sum); puts_(" ok\n");
  return 0;
}
