/* RV64M: multiply/divide incl. W forms, division by zero and signed overflow. */
#include "conf.h"
  VALS_TABLE
  .pushsection .rodata
  .balign 8
mvals:
  .dword 0, 1, -1, 2, -2, 3, -7, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffff, 0x80000000
  .dword 0xffffffff80000000, 0xffffffff, 0x00000001ffffffff, 0x123456789abcdef0, 0xfedcba9876543210
mvals_end:
  .popsection

  .text
  .globl main
main:
  addi  sp, sp, -16
  sd    ra, 0(sp)
  .irp op, mul, mulh, mulhsu, mulhu, mulw, div, divu, rem, remu, divw, divuw, remw, remuw
  RR_ALL \op, mvals
  .endr
  /* rd == rs1 / rd == rs2 aliasing */
  li    s2, -3
  li    s3, 5
  mv    s4, s2
  mulh  s4, s4, s3
  PS "mulh rd=rs1"
  call  out_r2
  li    s2, 7
  li    s3, -2
  mv    s4, s3
  div   s4, s2, s4
  PS "div rd=rs2"
  call  out_r2
  ld    ra, 0(sp)
  addi  sp, sp, 16
  ret
