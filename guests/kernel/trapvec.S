/*
 * Supervisor trap entry/exit and context switch.
 * sscratch convention: 0 while executing in the kernel; while a process runs in U-mode it holds
 * the top of that process's kernel stack. The first instruction swaps it with sp, so a non-zero
 * result means "came from U-mode, sp is now our kernel stack" (Priv. spec 4.1.6 suggests this use).
 * Frame layout = struct trapframe: slot 0 sepc, slots 1..31 x1..x31, slot 32 sstatus.
 */
#define FRAME (34 * 8)
#define SAVE(r, i) sd x##r, (i * 8)(sp)
#define LOAD(r, i) ld x##r, (i * 8)(sp)

  .section .text
  .align 4
  .globl trap_vector
trap_vector:
  csrrw sp, sscratch, sp
  bnez sp, from_user
  csrrw sp, sscratch, sp        /* kernel trap: put sp back, sscratch stays 0 */
  addi sp, sp, -FRAME
  SAVE(1,1); SAVE(3,3); SAVE(4,4); SAVE(5,5); SAVE(6,6); SAVE(7,7)
  addi t0, sp, FRAME
  sd t0, (2 * 8)(sp)
  j save_rest
from_user:
  addi sp, sp, -FRAME
  SAVE(1,1); SAVE(3,3); SAVE(4,4); SAVE(5,5); SAVE(6,6); SAVE(7,7)
  csrr t0, sscratch
  sd t0, (2 * 8)(sp)            /* user sp */
  csrw sscratch, zero
  /* The kernel's gp: user code may have clobbered it (we do not use gp relaxation anyway). */
save_rest:
  SAVE(8,8); SAVE(9,9); SAVE(10,10); SAVE(11,11); SAVE(12,12); SAVE(13,13); SAVE(14,14)
  SAVE(15,15); SAVE(16,16); SAVE(17,17); SAVE(18,18); SAVE(19,19); SAVE(20,20); SAVE(21,21)
  SAVE(22,22); SAVE(23,23); SAVE(24,24); SAVE(25,25); SAVE(26,26); SAVE(27,27); SAVE(28,28)
  SAVE(29,29); SAVE(30,30); SAVE(31,31)
  csrr t0, sepc
  sd t0, 0(sp)
  csrr t0, sstatus
  sd t0, (32 * 8)(sp)
  mv a0, sp
  call trap_handler
  mv a0, sp
  /* fall through */

  /* user_return(tf): restore the frame at a0 and sret; used for every return from a trap and
   * for a new process's first entry to U-mode. */
  .globl user_return
user_return:
  mv sp, a0
  ld t0, 0(sp)
  csrw sepc, t0
  ld t1, (32 * 8)(sp)
  csrw sstatus, t1
  andi t1, t1, 0x100            /* SPP: returning to S leaves sscratch = 0 */
  bnez t1, 1f
  addi t0, sp, FRAME
  csrw sscratch, t0
1:
  LOAD(1,1); LOAD(3,3); LOAD(4,4); LOAD(5,5); LOAD(6,6); LOAD(7,7); LOAD(8,8)
  LOAD(9,9); LOAD(10,10); LOAD(11,11); LOAD(12,12); LOAD(13,13); LOAD(14,14); LOAD(15,15)
  LOAD(16,16); LOAD(17,17); LOAD(18,18); LOAD(19,19); LOAD(20,20); LOAD(21,21); LOAD(22,22)
  LOAD(23,23); LOAD(24,24); LOAD(25,25); LOAD(26,26); LOAD(27,27); LOAD(28,28); LOAD(29,29)
  LOAD(30,30); LOAD(31,31)
  LOAD(2,2)
  sret

  /* swtch(old, new): save callee-saved registers (psABI: ra, sp, s0-s11) into old, load new. */
  .globl swtch
swtch:
  sd ra, 0(a0)
  sd sp, 8(a0)
  sd s0, 16(a0); sd s1, 24(a0); sd s2, 32(a0); sd s3, 40(a0); sd s4, 48(a0); sd s5, 56(a0)
  sd s6, 64(a0); sd s7, 72(a0); sd s8, 80(a0); sd s9, 88(a0); sd s10, 96(a0); sd s11, 104(a0)
  ld ra, 0(a1)
  ld sp, 8(a1)
  ld s0, 16(a1); ld s1, 24(a1); ld s2, 32(a1); ld s3, 40(a1); ld s4, 48(a1); ld s5, 56(a1)
  ld s6, 64(a1); ld s7, 72(a1); ld s8, 80(a1); ld s9, 88(a1); ld s10, 96(a1); ld s11, 104(a1)
  ret

  /* First run of a new process: swtch "returns" here with sp = its trap frame. */
  .globl proc_first_run
proc_first_run:
  mv a0, sp
  j user_return
