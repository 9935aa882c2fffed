/* SBI calls (RISC-V Supervisor Binary Interface spec v2.0): a7 = EID, a6 = FID, a0..a5 args;
 * returns (error in a0, value in a1). */
#ifndef SBI_H
#define SBI_H
#include "types.h"

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_GETCHAR 0x02
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E

struct sbiret { long error; long value; };

static inline struct sbiret sbi_call(u64 eid, u64 fid, u64 a0, u64 a1, u64 a2) {
  register u64 r0 __asm__("a0") = a0;
  register u64 r1 __asm__("a1") = a1;
  register u64 r2 __asm__("a2") = a2;
  register u64 r6 __asm__("a6") = fid;
  register u64 r7 __asm__("a7") = eid;
  __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
  struct sbiret r = { (long)r0, (long)r1 };
  return r;
}

/* Base extension FID 3: sbi_probe_extension (spec ch. 4.8); value != 0 means present. */
static inline int sbi_probe(u64 eid) {
  struct sbiret r = sbi_call(SBI_EXT_BASE, 3, eid, 0, 0);
  return r.error == 0 && r.value != 0;
}
#endif
