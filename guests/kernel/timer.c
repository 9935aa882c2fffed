/*
 * The scheduler tick (10 ms). Where it comes from depends on the image:
 *  kernel-m: our M-mode code (mstart.S) reprograms the CLINT and raises SSIP; we clear it here.
 *  kernel-s / kernel-pv: SBI TIME set_timer (SBI spec ch. 6, EID 0x54494D45 FID 0), which also
 *  clears the pending STIP (SBI spec 6.1).
 */
#include "kernel.h"
#include "sbi.h"

volatile u64 ticks;
static u64 interval;

#ifndef BOOT_M
static void program_next(void) { sbi_call(SBI_EXT_TIME, 0, rdtime() + interval, 0, 0); }
#endif

void timer_init(void) {
  interval = boot.timebase_hz / 100;
#ifdef BOOT_M
  csr_set(sie, SIE_SSIE);
#else
  program_next();
  csr_set(sie, SIE_STIE);
#endif
}

void timer_tick(void) {
  ticks++;
#ifdef BOOT_M
  csr_clear(sip, SIP_SSIP);
#else
  program_next();
#endif
}

u64 time_us(void) { return rdtime() / (boot.timebase_hz / 1000000); }
