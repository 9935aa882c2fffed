/*
 * FP benchmark (ours; bare metal, M-mode, virt board): double-precision work of the kinds C
 * programs do — a 5-body gravity step (square roots, divisions) and a 24x24 matrix product
 * (fused multiply-adds), `fp.iters=N` times (kernel command line, -append), then one line with a
 * checksum of the results' bits. Deterministic: QEMU prints the same line, so runs compare and
 * time side by side (packages/isa/bench/translator-vs-qemu.sh).
 */
#include <stdint.h>

/* ns16550a UART of the virt board (THR at +0, LSR at +5, bit 5 = THR empty) */
#define UART ((volatile uint8_t *)0x10000000UL)
static void putc_(char c) { while (!(UART[5] & 0x20)) {} UART[0] = (uint8_t)c; }
static void puts_(const char *s) { while (*s) { if (*s == '\n') putc_('\r'); putc_(*s++); } }
static void putu(uint64_t v) { char b[24]; int i = 0; do b[i++] = (char)('0' + v % 10); while (v /= 10); while (i) putc_(b[--i]); }
static void puthex64(uint64_t v) { for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]); }

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

/* ---- 5 bodies under gravity: velocities from every pair, then positions ---- */
#define NB 5
static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], m[NB];
static void step(double dt) {
  for (int i = 0; i < NB; i++)
    for (int j = i + 1; j < NB; j++) {
      double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
      double d2 = dx * dx + dy * dy + dz * dz + 1e-3;
      double f = dt / (d2 * __builtin_sqrt(d2));
      vx[i] -= dx * m[j] * f; vy[i] -= dy * m[j] * f; vz[i] -= dz * m[j] * f;
      vx[j] += dx * m[i] * f; vy[j] += dy * m[i] * f; vz[j] += dz * m[i] * f;
    }
  for (int i = 0; i < NB; i++) { px[i] += dt * vx[i]; py[i] += dt * vy[i]; pz[i] += dt * vz[i]; }
}

/* ---- a dense matrix product ---- */
#define MN 24
static double A[MN][MN], B[MN][MN], C[MN][MN];

int main(const uint8_t *fdt) {
  uint64_t iters = arg_u64(bootargs(fdt), "fp.iters", 10);
  for (int i = 0; i < NB; i++) { px[i] = i; py[i] = i * 0.5; pz[i] = -i * 0.25; vx[i] = vy[i] = vz[i] = 0; m[i] = 1.0 + i * 0.1; }
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) { A[i][j] = (i * j + 1) / (double)(i + j + 1); B[i][j] = (i - j) * 0.01; }
  double s = 0;
  for (uint64_t it = 0; it < iters; it++) {
    for (int k = 0; k < 200; k++) step(0.001);
    for (int i = 0; i < MN; i++)
      for (int j = 0; j < MN; j++) { double t = 0; for (int k = 0; k < MN; k++) t += A[i][k] * B[k][j]; C[i][j] = t; }
    B[it % MN][(it * 7) % MN] += C[(it * 3) % MN][it % MN] * 1e-3;
    s += C[1][2] + px[0];
  }
  union { double d; uint64_t u; } bits = { s };
  puts_("fp: iters="); putu(iters); puts_(" sum=0x"); puthex64(bits.u); puts_(" ok\n");
  return 0;
}
