/*
 * cpu: integer compute, CPU-bound. Each iteration refills a 1 KiB buffer from a xorshift
 * generator, then CRC32s it, sorts 128 words (Shell sort), multiplies two 12x12 matrices and
 * FNV-1a hashes the buffer. Self-checks: the CRC-32 check value, sortedness, A*I == A.
 */
#include "ulib.h"

#define N 12
#define WORDS 128

static u64 rng = 0x9E3779B97F4A7C15UL;
static u64 next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static u8 buf[1024];
static u32 arr[WORDS];
static i32 A[N][N], B[N][N], C[N][N];

static void shell_sort(u32 *a, int n) {
  static const int gaps[] = { 57, 23, 10, 4, 1 };   /* Ciura's sequence, truncated */
  for (usize g = 0; g < ARRAY_LEN(gaps); g++) {
    int gap = gaps[g];
    for (int i = gap; i < n; i++) {
      u32 t = a[i];
      int j = i;
      for (; j >= gap && a[j - gap] > t; j -= gap) a[j] = a[j - gap];
      a[j] = t;
    }
  }
}

static void matmul(i32 (*c)[N], i32 (*a)[N], i32 (*b)[N]) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      i32 s = 0;
      for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
}

int main(int argc, char **argv) {
  u64 iters = arg_u64(argc, argv, "cpu.iters", 200);
  int ok = crc32_update(0, "123456789", 9) == 0xCBF43926u;
  u32 crc = 0, fnv_all = 0, trace_all = 0, median_all = 0;
  u64 t0 = time_us(), k0 = uptime();
  for (u64 it = 0; it < iters; it++) {
    for (int i = 0; i < 1024; i += 8) { u64 v = next(); memcpy(buf + i, &v, 8); }
    crc = crc32_update(crc, buf, sizeof buf);

    for (int i = 0; i < WORDS; i++) arr[i] = (u32)next();
    shell_sort(arr, WORDS);
    for (int i = 1; i < WORDS; i++) if (arr[i - 1] > arr[i]) ok = 0;
    median_all ^= arr[WORDS / 2] + (u32)it;

    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) { A[i][j] = (i32)(next() % 201) - 100; B[i][j] = i == j; }
    matmul(C, A, B);                     /* A * I must be A */
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) if (C[i][j] != A[i][j]) ok = 0;
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) B[i][j] = (i32)(next() % 201) - 100;
    matmul(C, A, B);
    for (int i = 0; i < N; i++) trace_all += (u32)C[i][i];

    u32 h = 0x811C9DC5u;                 /* FNV-1a 32 */
    for (int i = 0; i < 1024; i++) { h ^= buf[i]; h *= 0x01000193u; }
    fnv_all = fnv_all * 31 + h;
  }
  u64 t1 = time_us();
  u32 parts[4] = { crc, fnv_all, trace_all, median_all };
  u32 total = crc32_update(0, parts, sizeof parts);
  printf("INFO cpu time_us=%lu ticks=%lu\n", t1 - t0, uptime() - k0);
  printf("RESULT cpu iters=%lu crc=0x%08x %s\n", iters, total, ok ? "ok" : "fail");
  return ok ? 0 : 1;
}
