/*
 * M-mode part of kernel-m.elf: QEMU -bios none starts here at 0x80000000 in M-mode with
 * a0 = mhartid, a1 = DTB. We play the firmware's role in a few instructions and then run the
 * kernel in S-mode (Priv. spec v1.12 ch. 3):
 *  - PMP entry 0 = NAPOT over the whole address space, RWX, so S/U may access memory (3.7.1:
 *    with no PMP entry matching, S/U accesses fail once any PMP is implemented).
 *  - medeleg/mideleg hand all exceptions except ecalls-to-M and the S-level interrupts to
 *    S-mode (3.1.8).
 *  - mcounteren.TM lets S-mode read `time` (3.1.11).
 *  - The machine timer stays in M-mode (the CLINT's mtimecmp is M-only): on each MTI we push
 *    mtimecmp one tick ahead and raise SSIP, which S-mode takes as its tick and clears itself.
 *    That needs no ecall interface between the two modes.
 */
#include "mconfig.h"
  .section .text
  .globl mstart
mstart:
  csrw mie, zero
  bnez a0, mpark
  li t0, -1
  srli t0, t0, 10           /* pmpaddr = all ones >> 2 .. NAPOT covering 2^64 (3.7.1.1) */
  csrw pmpaddr0, t0
  li t0, 0x1f               /* A=NAPOT(3<<3) | X | W | R */
  csrw pmpcfg0, t0
  li t0, 0xb1ff             /* delegate exceptions 0-8, 12, 13, 15 (not ecall from S/M) */
  csrw medeleg, t0
  li t0, (1 << 1) | (1 << 5) | (1 << 9)   /* SSIP, STIP, SEIP */
  csrw mideleg, t0
  li t0, 7
  csrw mcounteren, t0
  la t0, mtrap
  csrw mtvec, t0
  la t0, mtrap_stack_top
  csrw mscratch, t0
  /* first tick */
  li t0, CLINT_MTIME
  ld t1, 0(t0)
  li t2, M_TICK_INTERVAL
  add t1, t1, t2
  li t0, CLINT_MTIMECMP0
  sd t1, 0(t0)
  li t0, (1 << 7)           /* MTIE */
  csrw mie, t0
  li t0, (3 << 11)          /* clear MPP */
  csrc mstatus, t0
  li t0, (1 << 11) | (1 << 7)   /* MPP = S, MPIE = 1 (M interrupts always on below M) */
  csrs mstatus, t0
  csrw satp, zero
  la t0, s_start
  csrw mepc, t0
  mret
mpark:
  wfi
  j mpark

  /* M-mode trap handler. Only MTI is expected; anything else means the S-mode kernel took an
   * exception we did not delegate, so we report failure through the sifive_test finisher. */
  .align 4
mtrap:
  csrrw sp, mscratch, sp
  sd t0, -8(sp)
  sd t1, -16(sp)
  sd t2, -24(sp)
  csrr t0, mcause
  li t1, 0x8000000000000007
  bne t0, t1, mbad
  li t0, CLINT_MTIME
  ld t1, 0(t0)
  li t2, M_TICK_INTERVAL
  add t1, t1, t2
  li t0, CLINT_MTIMECMP0
  sd t1, 0(t0)              /* also clears MTIP (CLINT: pending while mtime >= mtimecmp) */
  li t0, (1 << 1)
  csrs mip, t0              /* SSIP: S-mode sees a software interrupt = one tick */
  ld t0, -8(sp)
  ld t1, -16(sp)
  ld t2, -24(sp)
  csrrw sp, mscratch, sp
  mret
mbad:
  li t1, 0xff
  and t0, t0, t1
  slli t0, t0, 16
  li t1, 0x3333
  or t0, t0, t1
  li t1, SIFIVE_TEST
  sw t0, 0(t1)
1:
  j 1b

  .section .bss
  .align 4
  .space 256
mtrap_stack_top:
