/*
 * Poweroff carrying pass/fail.
 *  kernel-m: the sifive_test "finisher" (QEMU hw/misc/sifive_test.c): 0x5555 = pass,
 *            0x3333 | code << 16 = fail with exit code.
 *  kernel-s/pv: SBI System Reset (SBI spec ch. 10, EID 0x53525354 FID 0): type 0 shutdown,
 *            reason 0 none / 1 system failure; the legacy shutdown (EID 0x08) as a fallback.
 */
#include "kernel.h"
#include "sbi.h"

void poweroff(int fail) {
  intr_off();
  uart_flush();
#ifdef BOOT_M
  u64 test = boot.test_base ? boot.test_base : 0x100000;
  mmio_w32(test, fail ? (0x3333u | (1u << 16)) : 0x5555u);
#else
  sbi_call(SBI_EXT_SRST, 0, 0, fail ? 1 : 0, 0);
  sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0);
#endif
  for (;;) wfi();
}
