/*
 * Console: the UART in native builds; in the paravirtual build, SBI calls (the hypervisor
 * sees one call per buffer instead of one trap per byte). DBCN "Debug Console" (SBI v2.0 ch. 12,
 * FID 0 console_write(num_bytes, base_lo, base_hi), physical address) when the firmware offers it,
 * else the legacy console_putchar (EID 0x01, ch. 5.2).
 */
#include "kernel.h"
#include "sbi.h"

#ifdef PARAVIRT
static int have_dbcn;
#endif

void console_init(void) {
#ifdef PARAVIRT
  have_dbcn = sbi_probe(SBI_EXT_DBCN);
#endif
}

void console_write(const char *s, usize n) {
#ifdef PARAVIRT
  if (have_dbcn) {
    /* The kernel is identity-mapped, so the buffer's VA is its PA. DBCN may write less than asked. */
    while (n) {
      struct sbiret r = sbi_call(SBI_EXT_DBCN, 0, n, (u64)s, 0);
      if (r.error || r.value <= 0) break;
      s += r.value;
      n -= (usize)r.value;
    }
    if (!n) return;
  }
  while (n--) sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (u8)*s++, 0, 0);
#else
  while (n--) {
    if (*s == '\n') uart_putc('\r');
    uart_putc(*s++);
  }
#endif
}

int console_getc(void) {
#ifdef PARAVIRT
  struct sbiret r = sbi_call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0);
  return r.error < 0 ? -1 : (int)r.error;
#else
  return uart_getc();
#endif
}

void kprintf(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  console_write(buf, n < (int)sizeof buf ? (usize)n : sizeof buf - 1);
}

void panic(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  intr_off();
  kprintf("PANIC: %s\nDONE fail\n", buf);
  poweroff(1);
}
