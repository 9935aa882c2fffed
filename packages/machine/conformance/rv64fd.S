/* RV64F/D: arithmetic in every rounding mode with fflags, special values, FMA, sqrt, min/max,
   compares, fclass, every conversion (saturation, NaN), moves, sign injection, NaN-boxing. */
#include "conf.h"

  .pushsection .rodata
  .balign 8
/* single-precision specials */
fs:
  .dword 0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x7f800000, 0xff800000
  .dword 0x7fc00000, 0x7f800001, 0xffc00123, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff
  .dword 0xff7fffff, 0x3eaaaaab, 0x4b800001, 0x33800000
fs_end:
/* double-precision specials */
fd:
  .dword 0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000
  .dword 0x3ff8000000000000, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000
  .dword 0x7ff0000000000001, 0xfff8000000000123, 0x0000000000000001, 0x800fffffffffffff
  .dword 0x0010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff, 0x3fd5555555555555
  .dword 0x4340000000000001, 0x3ca0000000000000
fd_end:
/* smaller sets for three-operand FMA */
fs3:
  .dword 0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x7f800000, 0x7fc00000, 0x7f800001
  .dword 0x00800000, 0x7f7fffff, 0x3eaaaaab, 0x33800000
fs3_end:
fd3:
  .dword 0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000
  .dword 0x7ff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001, 0x0010000000000000
  .dword 0x7fefffffffffffff, 0x3fd5555555555555, 0x3ca0000000000000
fd3_end:
/* float -> int conversion inputs */
fcs:
  .dword 0x00000000, 0x80000000, 0x3f000000, 0xbf000000, 0x3fc00000, 0xbfc00000, 0x40200000
  .dword 0xc0200000, 0x4f000000, 0xcf000000, 0xcf000001, 0x4f800000, 0x5f000000, 0xdf000000
  .dword 0xdf000001, 0x5f800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001
  .dword 0x00000001, 0xbf7fffff, 0x4effffff
fcs_end:
fcd:
  .dword 0x0000000000000000, 0x8000000000000000, 0x3fe0000000000000, 0xbfe0000000000000
  .dword 0x3ff8000000000000, 0xbff8000000000000, 0x4004000000000000, 0xc004000000000000
  .dword 0x41dfffffffc00000, 0x41dfffffffe00000, 0xc1e0000000000000, 0xc1e0000000200000
  .dword 0x41efffffffe00000, 0x41f0000000000000, 0x43e0000000000000, 0xc3e0000000000000
  .dword 0xc3e0000000000001, 0x43f0000000000000, 0x7ff0000000000000, 0xfff0000000000000
  .dword 0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x0000000000000001
  .dword 0xbfefffffffffffff
fcd_end:
/* int -> float conversion inputs */
ints:
  .dword 0, 1, -1, 2, 0x7fffffff, 0x80000000, 0xffffffff80000000, 0xffffffff, 0x1000001
  .dword 0x1000003, 0xffffffffff000001, 0x7fffffffffffffff, 0x8000000000000000
  .dword 0x20000000000001, 0x20000000000003, 0xfff0000000000001, 0x123456789abcdef0
ints_end:
/* single -> double, double -> single */
s2d:
  .dword 0x00000000, 0x80000000, 0x3eaaaaab, 0x7f800000, 0x7fc00000, 0x7f800001, 0xffc00123
  .dword 0x00000001, 0x807fffff, 0x7f7fffff
s2d_end:
d2s:
  .dword 0x0000000000000000, 0x8000000000000000, 0x3fd5555555555555, 0x7ff0000000000000
  .dword 0x7ff8000000000000, 0x7ff0000000000001, 0xfff8000000000123, 0x47efffffffffffff
  .dword 0x47effffff0000000, 0x47effffff0000001, 0x36a0000000000000, 0x3690000000000000
  .dword 0x3690000000000001, 0xb6a8000000000000, 0x0000000000000001, 0x3ff0000010000000
  .dword 0x3ff0000030000000
d2s_end:
  .popsection

/* An FMV-like no-op for integer operands/results. */
.macro XMV a, b
.endm

/* Print helper arguments: s0 = operand count, s1 = operand digits, s11 = result digits. */
.macro FSET n, od, rd
  li    s0, \n
  li    s1, \od
  li    s11, \rd
.endm

/* One operand: name, insn (reads fa0 or s2, writes fa2 or s4), table, in-move, out-move */
.macro F1 name, insn, tab, in, out, od, rd
  FSET  1, \od, \rd
  la    s6, \tab
10: ld  s2, 0(s6)
  \in   fa0, s2
  csrwi fflags, 0
  \insn
  csrr  s9, fflags
  \out  s4, fa2
  PS "\name"
  call  fprint
  addi  s6, s6, 8
  la    t0, \tab\()_end
  bne   s6, t0, 10b
.endm

/* Two operands: every ordered pair of the table */
.macro F2 name, insn, tab, in, out, od, rd
  FSET  2, \od, \rd
  la    s6, \tab
10: la  s7, \tab
11: ld  s2, 0(s6)
  ld    s3, 0(s7)
  \in   fa0, s2
  \in   fa1, s3
  csrwi fflags, 0
  \insn
  csrr  s9, fflags
  \out  s4, fa2
  PS "\name"
  call  fprint
  addi  s7, s7, 8
  la    t0, \tab\()_end
  bne   s7, t0, 11b
  addi  s6, s6, 8
  bne   s6, t0, 10b
.endm

/* Three operands: every triple of the table */
.macro F3 name, insn, tab, in, out, od, rd
  FSET  3, \od, \rd
  la    s6, \tab
10: la  s7, \tab
11: la  s8, \tab
12: ld  s2, 0(s6)
  ld    s3, 0(s7)
  ld    s5, 0(s8)
  \in   fa0, s2
  \in   fa1, s3
  \in   fa3, s5
  csrwi fflags, 0
  \insn
  csrr  s9, fflags
  \out  s4, fa2
  PS "\name"
  call  fprint
  la    t0, \tab\()_end
  addi  s8, s8, 8
  bne   s8, t0, 12b
  addi  s7, s7, 8
  bne   s7, t0, 11b
  addi  s6, s6, 8
  bne   s6, t0, 10b
.endm


.macro ARITH rm
  BIN fadd, \rm
  BIN fsub, \rm
  BIN fmul, \rm
  BIN fdiv, \rm
  F1 "fsqrt.s \rm", "fsqrt.s fa2, fa0, \rm", fs, fmv.w.x, fmv.x.w, 8, 8
  F1 "fsqrt.d \rm", "fsqrt.d fa2, fa0, \rm", fd, fmv.d.x, fmv.x.d, 16, 16
.endm
.macro BIN op, rm
  F2 "\op\().s \rm", "\op\().s fa2, fa0, fa1, \rm", fs, fmv.w.x, fmv.x.w, 8, 8
  F2 "\op\().d \rm", "\op\().d fa2, fa0, fa1, \rm", fd, fmv.d.x, fmv.x.d, 16, 16
.endm
.macro FMA op
  F3 "\op\().s rne", "\op\().s fa2, fa0, fa1, fa3, rne", fs3, fmv.w.x, fmv.x.w, 8, 8
  F3 "\op\().d rne", "\op\().d fa2, fa0, fa1, fa3, rne", fd3, fmv.d.x, fmv.x.d, 16, 16
.endm
.macro MISC2 op
  F2 "\op\().s", "\op\().s fa2, fa0, fa1", fs, fmv.w.x, fmv.x.w, 8, 8
  F2 "\op\().d", "\op\().d fa2, fa0, fa1", fd, fmv.d.x, fmv.x.d, 16, 16
.endm
.macro CMP2 op
  F2 "\op\().s", "\op\().s s4, fa0, fa1", fs, fmv.w.x, XMV, 8, 16
  F2 "\op\().d", "\op\().d s4, fa0, fa1", fd, fmv.d.x, XMV, 16, 16
.endm
.macro CVT rm
  CVTI fcvt.w, \rm
  CVTI fcvt.wu, \rm
  CVTI fcvt.l, \rm
  CVTI fcvt.lu, \rm
  F1 "fcvt.s.w \rm", "fcvt.s.w fa2, s2, \rm", ints, XMV, fmv.x.w, 16, 8
  F1 "fcvt.s.wu \rm", "fcvt.s.wu fa2, s2, \rm", ints, XMV, fmv.x.w, 16, 8
  F1 "fcvt.s.l \rm", "fcvt.s.l fa2, s2, \rm", ints, XMV, fmv.x.w, 16, 8
  F1 "fcvt.s.lu \rm", "fcvt.s.lu fa2, s2, \rm", ints, XMV, fmv.x.w, 16, 8
  F1 "fcvt.d.l \rm", "fcvt.d.l fa2, s2, \rm", ints, XMV, fmv.x.d, 16, 16
  F1 "fcvt.d.lu \rm", "fcvt.d.lu fa2, s2, \rm", ints, XMV, fmv.x.d, 16, 16
  F1 "fcvt.s.d \rm", "fcvt.s.d fa2, fa0, \rm", d2s, fmv.d.x, fmv.x.w, 16, 8
.endm
.macro CVTI op, rm
  F1 "\op\().s \rm", "\op\().s s4, fa0, \rm", fcs, fmv.w.x, XMV, 8, 16
  F1 "\op\().d \rm", "\op\().d s4, fa0, \rm", fcd, fmv.d.x, XMV, 16, 16
.endm

  .text
/* fprint: " a [b [c]] -> r fflags=XX\n" */
fprint:
  addi  sp, sp, -16
  sd    ra, 0(sp)
  mv    a0, s2
  call  fphex_op
  li    t0, 2
  blt   s0, t0, 1f
  mv    a0, s3
  call  fphex_op
  li    t0, 3
  blt   s0, t0, 1f
  mv    a0, s5
  call  fphex_op
1: PS " ->"
  li    a0, ' '
  call  putc
  mv    a0, s4
  mv    a1, s11
  call  puthex
  PS " fflags="
  mv    a0, s9
  li    a1, 2
  call  puthex
  PNL
  ld    ra, 0(sp)
  addi  sp, sp, 16
  ret
fphex_op:
  mv    t4, a0
  li    a0, ' '
  mv    t5, ra
  call  putc
  mv    a0, t4
  mv    a1, s1
  mv    ra, t5
  j     puthex

  .globl main
main:
  addi  sp, sp, -16
  sd    ra, 0(sp)

  /* ---- binary arithmetic: all specials, every static rounding mode ---- */
  .irp rm, rne, rtz, rdn, rup, rmm
  ARITH \rm
  .endr
  /* dynamic rounding mode through frm */
  .irp frm, 0, 1, 2, 3, 4
  csrwi frm, \frm
  F2 "fadd.s dyn frm=\frm", "fadd.s fa2, fa0, fa1, dyn", fs3, fmv.w.x, fmv.x.w, 8, 8
  F2 "fdiv.d dyn frm=\frm", "fdiv.d fa2, fa0, fa1, dyn", fd3, fmv.d.x, fmv.x.d, 16, 16
  F1 "fcvt.s.d dyn frm=\frm", "fcvt.s.d fa2, fa0, dyn", d2s, fmv.d.x, fmv.x.w, 16, 8
  F1 "fcvt.w.d dyn frm=\frm", "fcvt.w.d s4, fa0, dyn", fcd, fmv.d.x, XMV, 16, 16
  .endr
  csrwi frm, 0

  /* ---- fused multiply-add ---- */
  FMA fmadd
  FMA fmsub
  FMA fnmadd
  FMA fnmsub
  .irp rm, rtz, rdn, rup, rmm
  F3 "fmadd.s \rm", "fmadd.s fa2, fa0, fa1, fa3, \rm", fs3, fmv.w.x, fmv.x.w, 8, 8
  F3 "fnmsub.d \rm", "fnmsub.d fa2, fa0, fa1, fa3, \rm", fd3, fmv.d.x, fmv.x.d, 16, 16
  .endr

  /* ---- min/max, sign injection, compares, classify ---- */
  MISC2 fmin
  MISC2 fmax
  MISC2 fsgnj
  MISC2 fsgnjn
  MISC2 fsgnjx
  CMP2 feq
  CMP2 flt
  CMP2 fle
  F1 "fclass.s", "fclass.s s4, fa0", fs, fmv.w.x, XMV, 8, 16
  F1 "fclass.d", "fclass.d s4, fa0", fd, fmv.d.x, XMV, 16, 16

  /* ---- conversions ---- */
  .irp rm, rne, rtz, rdn, rup, rmm
  CVT \rm
  .endr
  F1 "fcvt.d.s", "fcvt.d.s fa2, fa0", s2d, fmv.w.x, fmv.x.d, 8, 16
  F1 "fcvt.d.w", "fcvt.d.w fa2, s2", ints, XMV, fmv.x.d, 16, 16
  F1 "fcvt.d.wu", "fcvt.d.wu fa2, s2", ints, XMV, fmv.x.d, 16, 16

  /* ---- moves: fmv.x.w sign-extends; fmv.w.x NaN-boxes ---- */
  F1 "fmv.x.w", "fmv.x.w s4, fa0", fs, fmv.w.x, XMV, 8, 16
  F1 "fmv.w.x then fmv.x.d", "fmv.x.d s4, fa0", fs, fmv.w.x, XMV, 8, 16

  /* ---- NaN-boxing ---- */
  la    s8, boxbuf
  flw   fa0, 0(s8)
  fmv.x.d s4, fa0
  SHOW "flw then fmv.x.d ->", s4
  fld   fa0, 8(s8)              /* an unboxed single: upper bits not all ones */
  fadd.s fa2, fa0, fa0
  fmv.x.w s4, fa2
  SHOW "fadd.s of unboxed (canonical NaN) ->", s4
  fmv.x.w s4, fa0
  SHOW "fmv.x.w of unboxed (raw low bits) ->", s4
  fsw   fa0, 16(s8)
  lwu   s4, 16(s8)
  SHOW "fsw of unboxed (raw low bits) ->", s4
  li    t0, 0xbf800000
  fmv.w.x fa1, t0
  fsgnj.s fa2, fa0, fa1
  fmv.x.d s4, fa2
  SHOW "fsgnj.s unboxed, -1 ->", s4
  fclass.s s4, fa0
  SHOW "fclass.s of unboxed ->", s4
  li    t0, 0xffffffff3f800000   /* properly boxed 1.0 */
  fmv.d.x fa0, t0
  fadd.s fa2, fa0, fa0
  fmv.x.d s4, fa2
  SHOW "fadd.s boxed 1+1 (result boxed) ->", s4
  li    t0, 0xfffffffe3f800000   /* one upper bit clear */
  fmv.d.x fa0, t0
  feq.s s4, fa0, fa0
  SHOW "feq.s of almost-boxed x,x ->", s4
  fcvt.d.s fa2, fa0
  fmv.x.d s4, fa2
  SHOW "fcvt.d.s of almost-boxed ->", s4
  fcvt.s.d fa2, fa0
  fmv.x.d s4, fa2
  SHOW "fcvt.s.d result boxed ->", s4
  fld   fa0, 8(s8)
  fsgnjx.d fa2, fa0, fa0
  fmv.x.d s4, fa2
  SHOW "fsgnjx.d keeps all 64 bits ->", s4

  /* ---- fflags accumulate; fcsr layout ---- */
  csrwi fflags, 0
  li    t0, 0x3f800000
  fmv.w.x fa0, t0
  fmv.w.x fa1, zero
  fdiv.s fa2, fa0, fa1          /* DZ */
  li    t0, 0x3eaaaaab
  fmv.w.x fa1, t0
  fadd.s fa2, fa0, fa1          /* NX */
  csrr  s4, fflags
  SHOW "fflags accumulate DZ|NX ->", s4
  csrwi frm, 3
  csrr  s4, fcsr
  SHOW "fcsr with frm=3 ->", s4
  li    t0, -1
  csrw  fcsr, t0
  csrr  s4, fcsr
  SHOW "fcsr write -1 ->", s4
  csrr  s4, frm
  SHOW "  frm ->", s4
  csrr  s4, fflags
  SHOW "  fflags ->", s4
  csrwi fcsr, 0

  /* ---- invalid rounding modes: illegal instruction ---- */
  PS "fadd.s with frm=5 (dyn)"
  PNL
  csrwi frm, 5
  fadd.s fa2, fa0, fa1, dyn
  PS "fadd.s with frm=7 (dyn)"
  PNL
  csrwi frm, 7
  fadd.s fa2, fa0, fa1, dyn
  csrwi frm, 0
  PS "fadd.s with static rm=5"
  PNL
  .word 0x00b55653              /* fadd.s fa2,fa0,fa1 with rm=101 */
  PS "fadd.s with static rm=6"
  PNL
  .word 0x00b56653              /* rm=110 */
  PS "fmin.s ignores frm=7 (no rm field)"
  PNL
  csrwi frm, 7
  fmin.s fa2, fa0, fa1
  csrwi frm, 0
  PS "done"
  PNL

  ld    ra, 0(sp)
  addi  sp, sp, 16
  ret

  .data
  .balign 8
boxbuf:
  .word 0x40490fdb, 0
  .dword 0x123456783f800000
  .dword 0
