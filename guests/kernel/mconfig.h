/* Fixed addresses used by the M-mode code (QEMU virt memory map, hw/riscv/virt.c). */
#ifndef MCONFIG_H
#define MCONFIG_H
#define CLINT_BASE 0x02000000
#define CLINT_MTIMECMP0 (CLINT_BASE + 0x4000)  /* hart 0 */
#define CLINT_MTIME (CLINT_BASE + 0xbff8)
#define SIFIVE_TEST 0x00100000
/* 10 ms at the virt board's 10 MHz timebase; S-mode builds derive the same from the DTB. */
#define M_TICK_INTERVAL 100000
#endif
