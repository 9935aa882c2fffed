/* Minimal memory/string routines. GCC may emit calls to memset/memcpy itself, even with
 * -ffreestanding (GCC manual, "Standards": freestanding code must provide them). */
#include "lib.h"

void *memset(void *d, int c, usize n) {
  u8 *p = d;
  /* Word stores once aligned: page zeroing dominates fork/sbrk cost. */
  while (n && ((uintptr)p & 7)) { *p++ = (u8)c; n--; }
  u64 w = (u8)c * 0x0101010101010101UL;
  while (n >= 8) { *(u64 *)p = w; p += 8; n -= 8; }
  while (n--) *p++ = (u8)c;
  return d;
}

void *memcpy(void *d, const void *s, usize n) {
  u8 *dp = d;
  const u8 *sp = s;
  if ((((uintptr)dp | (uintptr)sp) & 7) == 0) {
    while (n >= 8) { *(u64 *)dp = *(const u64 *)sp; dp += 8; sp += 8; n -= 8; }
  }
  while (n--) *dp++ = *sp++;
  return d;
}

void *memmove(void *d, const void *s, usize n) {
  u8 *dp = d;
  const u8 *sp = s;
  if (dp <= sp || dp >= sp + n) return memcpy(d, s, n);
  while (n--) dp[n] = sp[n];
  return d;
}

int memcmp(const void *a, const void *b, usize n) {
  const u8 *x = a, *y = b;
  for (usize i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] - y[i];
  return 0;
}

usize strlen(const char *s) {
  usize n = 0;
  while (s[n]) n++;
  return n;
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) { a++; b++; }
  return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, usize n) {
  for (usize i = 0; i < n; i++) {
    if (a[i] != b[i] || !a[i]) return (u8)a[i] - (u8)b[i];
  }
  return 0;
}

char *strncpy_z(char *d, const char *s, usize n) {
  usize i = 0;
  if (!n) return d;
  for (; i + 1 < n && s[i]; i++) d[i] = s[i];
  d[i] = 0;
  return d;
}
