/* Tiny M-mode runtime for the conformance programs: UART output, hex printing, trap handlers. */
#include "conf.h"

  .section .text.init, "ax"
  .globl _start
_start:
  la    sp, stack_top
  la    t0, trap_entry
  csrw  mtvec, t0
  la    t0, trap_save
  csrw  mscratch, t0
  li    t0, 0x2000            /* mstatus.FS = Initial so F/D instructions work */
  csrs  mstatus, t0
  csrwi fcsr, 0
  li    t0, -1                /* PMP entry 0: NAPOT over everything, RWX, so S/U can run */
  csrw  pmpaddr0, t0
  li    t0, 0x1f
  csrw  pmpcfg0, t0
  call  main
  .globl poweroff
poweroff:
  li    t0, TESTDEV
  li    t1, 0x5555
  sw    t1, 0(t0)
1: j 1b

  .text
/* putc(a0): clobbers t0, t1 */
  .globl putc
putc:
  li    t0, UART0
1: lbu  t1, 5(t0)
  andi  t1, t1, 0x20
  beqz  t1, 1b
  sb    a0, 0(t0)
  ret

/* puts(a0 = NUL-terminated string): clobbers a0, t0-t2 */
  .globl puts
puts:
  mv    t2, a0
  li    t0, UART0
1: lbu  a0, 0(t2)
  beqz  a0, 3f
2: lbu  t1, 5(t0)
  andi  t1, t1, 0x20
  beqz  t1, 2b
  sb    a0, 0(t0)
  addi  t2, t2, 1
  j     1b
3: ret

  .globl putnl
putnl:
  li    a0, '\n'
  j     putc

/* puthex(a0 = value, a1 = digits): clobbers a0, t0-t3 */
  .globl puthex
puthex:
  mv    t2, a0
  slli  t3, a1, 2
1: addi t3, t3, -4
  srl   a0, t2, t3
  andi  a0, a0, 15
  li    t0, 10
  blt   a0, t0, 2f
  addi  a0, a0, 'a' - '0' - 10
2: addi a0, a0, '0'
  li    t0, UART0
3: lbu  t1, 5(t0)
  andi  t1, t1, 0x20
  beqz  t1, 3b
  sb    a0, 0(t0)
  bnez  t3, 1b
  ret

/* sphexN(a0): " " + N/4 hex digits. clobbers a0, a1, t0-t3 */
  .globl sphex64, sphex32, sphex16, sphex8, sphex4
sphex64: li a1, 16; j sphex
sphex32: li a1, 8;  j sphex
sphex16: li a1, 4;  j sphex
sphex8:  li a1, 2;  j sphex
sphex4:  li a1, 1;  j sphex
sphex:
  mv    t2, a0
  li    t0, UART0
1: lbu  t1, 5(t0)
  andi  t1, t1, 0x20
  beqz  t1, 1b
  li    t1, ' '
  sb    t1, 0(t0)
  mv    a0, t2
  j     puthex

/* out_r1: " s2 -> s4\n"; out_r2: " s2 s3 -> s4\n"; out_r3: " s2 s3 s5 -> s4\n" */
  .globl out_r1, out_r2, out_r3, out_arrow
out_r3:
  addi  sp, sp, -16
  sd    ra, 0(sp)
  PH s2
  PH s3
  PH s5
  j     out_tail
out_r2:
  addi  sp, sp, -16
  sd    ra, 0(sp)
  PH s2
  PH s3
  j     out_tail
out_r1:
  addi  sp, sp, -16
  sd    ra, 0(sp)
  PH s2
out_tail:
  PS " ->"
  PH s4
  PNL
  ld    ra, 0(sp)
  addi  sp, sp, 16
  ret

/* ---------------------------------------------------------------------------------------------
 * M-mode trap handler. Prints one line:
 *   exceptions: "  trap mcause=XX mepc=... mtval=... mpp=N"   (mtval omitted for cause 2)
 *   interrupts: "  irq mcause=8000..." (then clears that cause's bit in mie: no timing data)
 * then either resumes at trap_resume (in M-mode, if set and the trap is an instruction fetch fault
 * or an ecall from U/S; it is then cleared) or skips the trapping instruction (2 or 4 bytes, read
 * from mepc).
 * ------------------------------------------------------------------------------------------- */
  .balign 64
  .globl trap_entry
/* Exception lines: "  trap mcause=CC mepc=PC mtval=V mpp=M" (mtval left out for causes 2 and 3). */
trap_entry:
  csrrw sp, mscratch, sp
  sd    x1, 8(sp)
  sd    x3, 24(sp)
  sd    x4, 32(sp)
  sd    x5, 40(sp)
  sd    x6, 48(sp)
  sd    x7, 56(sp)
  sd    x8, 64(sp)
  sd    x9, 72(sp)
  sd    x10, 80(sp)
  sd    x11, 88(sp)
  sd    x12, 96(sp)
  sd    x13, 104(sp)
  sd    x14, 112(sp)
  sd    x15, 120(sp)
  sd    x16, 128(sp)
  sd    x17, 136(sp)
  sd    x18, 144(sp)
  sd    x19, 152(sp)
  sd    x20, 160(sp)
  sd    x21, 168(sp)
  sd    x22, 176(sp)
  sd    x23, 184(sp)
  sd    x24, 192(sp)
  sd    x25, 200(sp)
  sd    x26, 208(sp)
  sd    x27, 216(sp)
  sd    x28, 224(sp)
  sd    x29, 232(sp)
  sd    x30, 240(sp)
  sd    x31, 248(sp)
  csrr  t0, mscratch
  sd    t0, 16(sp)            /* interrupted sp */
  csrw  mscratch, sp
  la    sp, trap_stack_top
  la    t0, trap_count
  ld    t1, 0(t0)
  addi  t1, t1, 1
  sd    t1, 0(t0)
  csrr  s0, mcause
  bltz  s0, 5f
  PS "  trap mcause="
  la    t0, trap_nocause
  ld    t1, 0(t0)
  sd    zero, 0(t0)
  bnez  t1, 8f
  csrr  a0, mcause
  call  puthex8_nosp
  j     7f
8: PS "xx"
7:
  PS " mepc="
  csrr  a0, mepc
  li    a1, 16
  call  puthex
  li    t0, 2                 /* mtval is implementation-defined for illegal instructions */
  beq   s0, t0, 1f
  li    t0, 3                 /* ...and may be 0 or the pc for breakpoints (QEMU 7.2: 0) */
  beq   s0, t0, 1f
  PS " mtval="
  csrr  a0, mtval
  li    a1, 16
  call  puthex
1: PS " mpp="
  csrr  a0, mstatus
  srli  a0, a0, 11
  andi  a0, a0, 3
  li    a1, 1
  call  puthex
  PNL
  la    t0, trap_resume
  ld    t1, 0(t0)
  beqz  t1, 2f
  la    t2, trap_resume_mask    /* resume only on these causes (default: 1, 8, 9, 12) */
  ld    t2, 0(t2)
  srl   t2, t2, s0
  andi  t2, t2, 1
  beqz  t2, 2f
  sd    zero, 0(t0)
  csrw  mepc, t1
  li    t0, 3 << 11
  csrs  mstatus, t0           /* resume in M-mode */
  li    t0, 1 << 17
  csrc  mstatus, t0           /* ...with MPRV clear */
  j     9f
2: csrr t1, mepc
  lhu   t2, 0(t1)
  andi  t2, t2, 3
  li    t3, 3
  addi  t1, t1, 2
  bne   t2, t3, 3f
  addi  t1, t1, 2
3: csrw mepc, t1
  j     9f
5: PS "  irq mcause="
  csrr  a0, mcause
  li    a1, 16
  call  puthex
  PNL
  li    t0, 1
  sll   t0, t0, s0            /* sll uses the low 6 bits: 1 << code */
  csrc  mie, t0
9: csrr sp, mscratch
  ld    x1, 8(sp)
  ld    x3, 24(sp)
  ld    x4, 32(sp)
  ld    x5, 40(sp)
  ld    x6, 48(sp)
  ld    x7, 56(sp)
  ld    x8, 64(sp)
  ld    x9, 72(sp)
  ld    x10, 80(sp)
  ld    x11, 88(sp)
  ld    x12, 96(sp)
  ld    x13, 104(sp)
  ld    x14, 112(sp)
  ld    x15, 120(sp)
  ld    x16, 128(sp)
  ld    x17, 136(sp)
  ld    x18, 144(sp)
  ld    x19, 152(sp)
  ld    x20, 160(sp)
  ld    x21, 168(sp)
  ld    x22, 176(sp)
  ld    x23, 184(sp)
  ld    x24, 192(sp)
  ld    x25, 200(sp)
  ld    x26, 208(sp)
  ld    x27, 216(sp)
  ld    x28, 224(sp)
  ld    x29, 232(sp)
  ld    x30, 240(sp)
  ld    x31, 248(sp)
  ld    sp, 16(sp)
  mret

puthex8_nosp:
  li    a1, 2
  j     puthex

/* ---------------------------------------------------------------------------------------------
 * S-mode trap handler (install with stvec = strap_entry, sscratch = strap_save). Same format with
 * "strap scause=... sepc=... stval=... spp=N"; resumes at strap_resume (in S-mode) if set.
 * Needs the runtime, stacks and UART reachable from S-mode (identity mapping when paging is on).
 * ------------------------------------------------------------------------------------------- */
  .balign 64
  .globl strap_entry
strap_entry:
  csrrw sp, sscratch, sp
  sd    x1, 8(sp)
  sd    x5, 40(sp)
  sd    x6, 48(sp)
  sd    x7, 56(sp)
  sd    x8, 64(sp)
  sd    x10, 80(sp)
  sd    x11, 88(sp)
  sd    x28, 224(sp)
  sd    x29, 232(sp)
  sd    x30, 240(sp)
  sd    x31, 248(sp)
  csrr  t0, sscratch
  sd    t0, 16(sp)
  csrw  sscratch, sp
  la    sp, strap_stack_top
  csrr  s0, scause
  bltz  s0, 5f
  PS "  strap scause="
  csrr  a0, scause
  li    a1, 2
  call  puthex
  PS " sepc="
  csrr  a0, sepc
  li    a1, 16
  call  puthex
  li    t0, 2
  beq   s0, t0, 1f
  li    t0, 3
  beq   s0, t0, 1f
  PS " stval="
  csrr  a0, stval
  li    a1, 16
  call  puthex
1: PS " spp="
  csrr  a0, sstatus
  srli  a0, a0, 8
  andi  a0, a0, 1
  li    a1, 1
  call  puthex
  PNL
  la    t0, strap_resume
  ld    t1, 0(t0)
  beqz  t1, 2f
  sd    zero, 0(t0)
  csrw  sepc, t1
  li    t0, 1 << 8
  csrs  sstatus, t0           /* resume in S-mode */
  j     9f
2: csrr t1, sepc
  lhu   t2, 0(t1)
  andi  t2, t2, 3
  li    t3, 3
  addi  t1, t1, 2
  bne   t2, t3, 3f
  addi  t1, t1, 2
3: csrw sepc, t1
  j     9f
5: PS "  sirq scause="
  csrr  a0, scause
  li    a1, 16
  call  puthex
  PNL
  li    t0, 1
  sll   t0, t0, s0
  csrc  sie, t0
9: csrr sp, sscratch
  ld    x1, 8(sp)
  ld    x5, 40(sp)
  ld    x6, 48(sp)
  ld    x7, 56(sp)
  ld    x8, 64(sp)
  ld    x10, 80(sp)
  ld    x11, 88(sp)
  ld    x28, 224(sp)
  ld    x29, 232(sp)
  ld    x30, 240(sp)
  ld    x31, 248(sp)
  ld    sp, 16(sp)
  sret

  .data
  .balign 8
  .globl trap_resume, strap_resume, trap_count
trap_resume:  .dword 0
strap_resume: .dword 0
trap_count:   .dword 0
  .globl trap_resume_mask
trap_resume_mask: .dword 0x1302
/* Set to 1: the next trap line prints "mcause=xx" (where QEMU 7.2 deviates from the spec). */
  .globl trap_nocause
trap_nocause: .dword 0

  .bss
  .balign 64
  .globl trap_save, strap_save
trap_save:  .space 256
strap_save: .space 256
  .balign 16
  .space 4096
trap_stack_top:
  .space 4096
strap_stack_top:
  .space 8192
  .globl stack_top
stack_top:
