/* RV64I: every base instruction with edge operands. */
#include "conf.h"
  VALS_TABLE
  .pushsection .rodata
  .balign 8
shamts:
  .dword 0, 1, 31, 32, 33, 63, 64, 95, -1
shamts_end:
small:
  .dword 0, 1, -1, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffff, 0xffffffff80000000
small_end:
  .popsection

  .data
  .balign 16
ldbuf:
  .byte 0x80, 0x01, 0xff, 0x7f, 0x00, 0x80, 0x55, 0xaa, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0
stbuf:
  .dword 0, 0

/* Load at every naturally aligned offset of ldbuf. */
.macro LD_ALL op, size
  li    s7, 0
10: la  s2, ldbuf
  add   s2, s2, s7
  \op   s4, 0(s2)
  PS "\op ldbuf+"
  mv    a0, s7
  li    a1, 1
  call  puthex
  PS " ->"
  PH    s4
  PNL
  addi  s7, s7, \size
  li    t0, 16
  bne   s7, t0, 10b
.endm

/* Store \val at stbuf+\off after filling stbuf with a pattern, print both dwords. */
.macro ST op, off, val
  la    s2, stbuf
  li    t0, 0x1122334455667788
  sd    t0, 0(s2)
  li    t0, 0x99aabbccddeeff00
  sd    t0, 8(s2)
  li    s3, \val
  \op   s3, \off(s2)
  PS "\op \off \val ->"
  ld    s4, 0(s2)
  PH    s4
  ld    s4, 8(s2)
  PH    s4
  PNL
.endm

/* Branch taken/not taken, forward and backward: prints "op a b -> F B" (1 = taken). */
.macro BR_ALL op
  la    s6, small
10: la  s7, small
11: ld  s2, 0(s6)
  ld    s3, 0(s7)
  li    s4, 0
  \op   s2, s3, 12f
  j     13f
12: li  s4, 0x10
13: j   14f
15: ori s4, s4, 1
  j     16f
14: \op s2, s3, 15b
16: PS "\op"
  call  out_r2
  addi  s7, s7, 8
  la    t0, small_end
  bne   s7, t0, 11b
  addi  s6, s6, 8
  bne   s6, t0, 10b
.endm

  .text
  .globl main
main:
  addi  sp, sp, -16
  sd    ra, 0(sp)

  RR_ALL add
  RR_ALL sub
  RR_ALL slt
  RR_ALL sltu
  RR_ALL xor
  RR_ALL or
  RR_ALL and
  RR_X   sll, vals, shamts
  RR_X   srl, vals, shamts
  RR_X   sra, vals, shamts
  RR_ALL addw
  RR_ALL subw
  RR_X   sllw, vals, shamts
  RR_X   srlw, vals, shamts
  RR_X   sraw, vals, shamts

  RI_ALL addi, 0
  RI_ALL addi, 1
  RI_ALL addi, -1
  RI_ALL addi, 2047
  RI_ALL addi, -2048
  RI_ALL slti, 0
  RI_ALL slti, -1
  RI_ALL slti, 2047
  RI_ALL slti, -2048
  RI_ALL sltiu, 0
  RI_ALL sltiu, 1
  RI_ALL sltiu, -1
  RI_ALL sltiu, -2048
  RI_ALL xori, -1
  RI_ALL xori, 0x555
  RI_ALL ori, -2048
  RI_ALL ori, 0x7ff
  RI_ALL andi, -1
  RI_ALL andi, 0x7ff
  RI_ALL andi, -2048
  RI_ALL slli, 0
  RI_ALL slli, 1
  RI_ALL slli, 31
  RI_ALL slli, 32
  RI_ALL slli, 63
  RI_ALL srli, 0
  RI_ALL srli, 1
  RI_ALL srli, 31
  RI_ALL srli, 32
  RI_ALL srli, 63
  RI_ALL srai, 0
  RI_ALL srai, 1
  RI_ALL srai, 31
  RI_ALL srai, 32
  RI_ALL srai, 63
  RI_ALL addiw, 0
  RI_ALL addiw, 1
  RI_ALL addiw, -1
  RI_ALL addiw, 2047
  RI_ALL addiw, -2048
  RI_ALL slliw, 0
  RI_ALL slliw, 1
  RI_ALL slliw, 31
  RI_ALL srliw, 0
  RI_ALL srliw, 1
  RI_ALL srliw, 31
  RI_ALL sraiw, 0
  RI_ALL sraiw, 1
  RI_ALL sraiw, 31

  /* x0 as destination and source */
  li    s2, 5
  add   x0, s2, s2
  addi  s4, x0, 0
  PS "add x0 (write ignored)"
  call  out_r1
  li    s2, -7
  sub   s4, x0, s2
  PS "sub x0 - a"
  call  out_r1
  /* rd == rs1 == rs2 */
  li    s2, 0x4000000000000001
  mv    s4, s2
  add   s4, s4, s4
  PS "add rd=rs1=rs2"
  call  out_r1

  /* lui */
  .irp imm, 0, 1, 0x7ffff, 0x80000, 0xfffff, 0x12345
  lui   s4, \imm
  li    s2, \imm
  PS "lui"
  call  out_r1
  .endr
  /* auipc: result minus the address of the auipc */
  .irp imm, 0, 1, 0x7ffff, 0x80000, 0xfffff
  li    s2, \imm
1: auipc s4, \imm
  la    t0, 1b
  sub   s4, s4, t0
  PS "auipc (minus pc)"
  call  out_r1
  .endr

  /* jal: link = pc + 4, target reached */
  li    s2, 0
1: jal  s4, 2f
  li    s2, 0xbad
2: la   t0, 1b
  sub   s4, s4, t0
  PS "jal link-pc, skipped"
  call  out_r1
  /* jal backwards */
  j     3f
4: la   t0, 5f
  sub   s4, s4, t0
  PS "jal backward link-pc"
  call  out_r1
  j     6f
3: li   s2, 0
5: jal  s4, 4b
6:
  /* jalr with positive/negative offsets and bit 0 cleared */
  la    s2, 2f
  addi  s2, s2, 1
1: jalr s4, 0(s2)
  li    s3, 0xbad
2: la   t0, 1b
  sub   s4, s4, t0
  li    s2, 1
  PS "jalr odd target: link-pc"
  call  out_r1
  la    s2, 2f + 16
1: jalr s4, -16(s2)
  li    s3, 0xbad
2: la   t0, 1b
  sub   s4, s4, t0
  li    s2, -16
  PS "jalr -16: link-pc"
  call  out_r1
  la    s2, 2f - 3
1: jalr s2, 3(s2)      /* rd == rs1: target uses old value */
  nop
2: la   t0, 1b
  sub   s4, s2, t0
  li    s2, 3
  PS "jalr rd=rs1: link-pc"
  call  out_r1
  la    s2, 2f
1: jalr x0, 0(s2)
  li    s2, 0xbad
2: la   t0, 2b
  sub   s2, s2, t0
  PS "jalr x0 target reached"
  call  out_r1

  BR_ALL beq
  BR_ALL bne
  BR_ALL blt
  BR_ALL bge
  BR_ALL bltu
  BR_ALL bgeu

  /* loads: sign/zero extension at each aligned offset */
  LD_ALL lb, 1
  LD_ALL lbu, 1
  LD_ALL lh, 2
  LD_ALL lhu, 2
  LD_ALL lw, 4
  LD_ALL lwu, 4
  LD_ALL ld, 8
  /* negative offsets, x0 destination */
  la    s2, ldbuf + 8
  lw    s4, -8(s2)
  PS "lw -8 ->"
  PH    s4
  PNL
  lb    x0, 0(s2)
  PS "lb x0 -> "
  mv    s4, x0
  PH    s4
  PNL

  /* stores of each width at each aligned offset */
  .irp off, 0, 1, 7, 8, 15
  ST sb, \off, -1
  ST sb, \off, 0x1234567f
  .endr
  .irp off, 0, 2, 6, 14
  ST sh, \off, -1
  ST sh, \off, 0x12348001
  .endr
  .irp off, 0, 4, 12
  ST sw, \off, -1
  ST sw, \off, 0x1234567880000001
  .endr
  .irp off, 0, 8
  ST sd, \off, 0x0123456789abcdef
  .endr

  /* store then load back: store width vs sign extension */
  la    s2, stbuf
  li    s3, 0xfedcba9876543210
  sd    s3, 0(s2)
  sw    zero, 4(s2)
  ld    s4, 0(s2)
  PS "sd then sw 0 upper ->"
  PH s4
  PNL

  /* fence, fence.i, and pause-like hints execute as no-ops */
  fence
  fence rw, rw
  fence.i
  fence iorw, iorw
  PS "fences ok"
  PNL

  /* self-modifying code + fence.i: patch "li s4, 1" into "li s4, 2" */
  la    s2, smc
  lw    s3, 0(s2)
  li    t0, 1 << 20
  add   s3, s3, t0
  sw    s3, 0(s2)
  fence.i
  .option push
  .option norvc
smc: addi s4, x0, 1
  .option pop
  PS "fence.i self-modify ->"
  PH s4
  PNL

  ld    ra, 0(sp)
  addi  sp, sp, 16
  ret
