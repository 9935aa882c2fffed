/* RV64C: every compressed instruction, written with explicit c.* mnemonics. */
#include "conf.h"
  VALS_TABLE
  .pushsection .rodata
  .balign 8
small:
  .dword 0, 1, -1, 0x8000000000000000, 0x7fffffff, 0x80000000
small_end:
  .popsection

  .data
  .balign 16
cbuf:
  .dword 0x8000000180000002, 0xfedcba9876543210, 0x0123456789abcdef, 0
  .space 1024
cbuf_end:

/* c.op rd', rs2' on every pair (rd' = s0, rs2' = s1). */
.macro CRR_ALL op, tab=vals
  la    s6, \tab
10: la  s7, \tab
11: ld  s2, 0(s6)
  ld    s3, 0(s7)
  mv    s0, s2
  mv    s1, s3
  \op   s0, s1
  mv    s4, s0
  PS "\op"
  call  out_r2
  addi  s7, s7, 8
  la    t0, \tab\()_end
  bne   s7, t0, 11b
  addi  s6, s6, 8
  bne   s6, t0, 10b
.endm
/* c.op rd', imm on every value */
.macro CRI_ALL op, imm, tab=vals
  la    s6, \tab
10: ld  s2, 0(s6)
  mv    s0, s2
  \op   s0, \imm
  mv    s4, s0
  PS "\op \imm"
  call  out_r1
  addi  s6, s6, 8
  la    t0, \tab\()_end
  bne   s6, t0, 10b
.endm


  .text
  .globl main
main:
  addi  sp, sp, -16
  sd    ra, 0(sp)
  .option push
  .option rvc

  /* register-register */
  CRR_ALL c.sub
  CRR_ALL c.xor
  CRR_ALL c.or
  CRR_ALL c.and
  CRR_ALL c.subw
  CRR_ALL c.addw
  CRR_ALL c.add
  CRR_ALL c.mv
  /* immediates */
  CRI_ALL c.addi, 1
  CRI_ALL c.addi, -1
  CRI_ALL c.addi, 31
  CRI_ALL c.addi, -32
  CRI_ALL c.addiw, 0
  CRI_ALL c.addiw, 1
  CRI_ALL c.addiw, -32
  CRI_ALL c.addiw, 31
  CRI_ALL c.slli, 1
  CRI_ALL c.slli, 31
  CRI_ALL c.slli, 32
  CRI_ALL c.slli, 63
  CRI_ALL c.srli, 1
  CRI_ALL c.srli, 31
  CRI_ALL c.srli, 32
  CRI_ALL c.srli, 63
  CRI_ALL c.srai, 1
  CRI_ALL c.srai, 31
  CRI_ALL c.srai, 32
  CRI_ALL c.srai, 63
  CRI_ALL c.andi, 0
  CRI_ALL c.andi, -1
  CRI_ALL c.andi, 31
  CRI_ALL c.andi, -32
  .irp imm, 0, 1, 31, -1, -32
  c.li  s4, \imm
  li    s2, \imm
  PS "c.li"
  call  out_r1
  .endr
  .irp imm, 1, 2, 0x1f, 0xfffe0, 0xfffff
  c.lui s4, \imm
  li    s2, \imm
  PS "c.lui"
  call  out_r1
  .endr
  /* c.addi16sp / c.addi4spn: results relative to sp */
  .irp imm, 16, -16, 496, -512
  mv    s5, sp
  c.addi16sp sp, \imm
  sub   s4, sp, s5
  mv    sp, s5
  li    s2, \imm
  PS "c.addi16sp (sp delta)"
  call  out_r1
  .endr
  .irp imm, 4, 8, 1020, 516
  c.addi4spn s0, sp, \imm
  sub   s4, s0, sp
  li    s2, \imm
  PS "c.addi4spn (minus sp)"
  call  out_r1
  .endr
  c.nop
  PS "c.nop ok"
  PNL

  /* loads and stores relative to rs1' */
  la    s1, cbuf
  c.lw  s0, 0(s1)
  SHOW "c.lw 0 ->", s0
  c.lw  s0, 4(s1)
  SHOW "c.lw 4 ->", s0
  c.lw  s0, 12(s1)
  SHOW "c.lw 12 ->", s0
  c.ld  s0, 8(s1)
  SHOW "c.ld 8 ->", s0
  c.ld  s0, 0(s1)
  SHOW "c.ld 0 ->", s0
  li    s0, 0x1122334455667788
  c.sw  s0, 24(s1)
  ld    s4, 24(s1)
  SHOW "c.sw 24 ->", s4
  c.sd  s0, 24(s1)
  ld    s4, 24(s1)
  SHOW "c.sd 24 ->", s4
  li    s0, 0x0000000080000000
  c.sw  s0, 124(s1)
  lw    s4, 124(s1)
  SHOW "c.sw 124 (max) ->", s4
  li    s0, -2
  c.sd  s0, 248(s1)
  c.ld  s0, 248(s1)
  SHOW "c.sd/c.ld 248 (max) ->", s0
  /* floating-point loads/stores */
  c.fld fs0, 8(s1)
  fmv.x.d s4, fs0
  SHOW "c.fld 8 ->", s4
  c.fsd fs0, 32(s1)
  ld    s4, 32(s1)
  SHOW "c.fsd 32 ->", s4

  /* sp-relative */
  mv    s5, sp
  la    sp, cbuf
  c.lwsp s4, 0(sp)
  c.ldsp s3, 8(sp)
  li    s2, 0x55aa55aa55aa55aa
  c.sdsp s2, 504(sp)
  c.swsp s2, 252(sp)
  c.fldsp fs1, 16(sp)
  c.fsdsp fs1, 40(sp)
  ld    s6, 504(sp)
  lwu   s7, 252(sp)
  ld    s8, 40(sp)
  c.lwsp s9, 4(sp)
  mv    sp, s5
  SHOW "c.lwsp 0 ->", s4
  SHOW "c.lwsp 4 ->", s9
  SHOW "c.ldsp 8 ->", s3
  SHOW "c.sdsp 504 ->", s6
  SHOW "c.swsp 252 ->", s7
  SHOW "c.fldsp/c.fsdsp ->", s8

  /* c.j forwards and backwards */
  li    s4, 0
  c.j   1f
  li    s4, 0xbad
1: c.j  3f
2: addi s4, s4, 1
  c.j   4f
3: c.j  2b
4: SHOW "c.j fwd/back ->", s4
  /* c.jr, c.jalr (link = pc + 2) */
  la    s0, 1f
  li    s4, 0
  c.jr  s0
  li    s4, 0xbad
1: SHOW "c.jr ->", s4
  la    s0, 2f
1: c.jalr s0
  li    s4, 0xbad
2: la   t0, 1b
  sub   s4, ra, t0
  SHOW "c.jalr link-pc ->", s4
  la    s0, 2f + 1
1: c.jalr s0
2: la   t0, 1b
  sub   s4, ra, t0
  SHOW "c.jalr odd target link-pc ->", s4
  /* c.jalr with rs1 == ra: target from old ra */
  la    ra, 2f
1: c.jalr ra
2: la   t0, 1b
  sub   s4, ra, t0
  SHOW "c.jalr ra link-pc ->", s4
  /* c.beqz / c.bnez forward and backward */
  la    s6, small
10: ld  s2, 0(s6)
  mv    s0, s2
  li    s4, 0
  c.beqz s0, 12f
  j     13f
12: li  s4, 0x10
13: j   14f
15: ori s4, s4, 1
  j     16f
14: c.beqz s0, 15b
16: PS "c.beqz"
  call  out_r1
  mv    s0, s2
  li    s4, 0
  c.bnez s0, 12f
  j     13f
12: li  s4, 0x10
13: j   14f
15: ori s4, s4, 1
  j     16f
14: c.bnez s0, 15b
16: PS "c.bnez"
  call  out_r1
  addi  s6, s6, 8
  la    t0, small_end
  bne   s6, t0, 10b

  /* a 32-bit instruction at a 2-mod-4 address, then c.ebreak: cause 3, tval = pc (or 0) */
  c.nop
  .option norvc
  addi  s4, zero, 0x123
  .option rvc
  SHOW "32-bit insn at 2 mod 4 ->", s4
  PS "c.ebreak"
  PNL
1: c.ebreak
  /* all-zero halfword is illegal (cause 2) */
  PS "c.unimp 0x0000"
  PNL
  .hword 0
  PS "after illegal"
  PNL
  .option pop
  ld    ra, 0(sp)
  addi  sp, sp, 16
  ret
