/* Machine/supervisor CSRs: WARL fields that the spec defines, read-only CSRs, existence. */
#include "conf.h"


#define MSTATUS_SPEC 0x80000000007e79aa   /* SIE MIE SPIE MPIE SPP MPP FS MPRV SUM MXR TVM TW TSR SD */
#define SSTATUS_SPEC 0x80000000000c6122   /* SIE SPIE SPP FS SUM MXR SD */

  .text
  .globl main
main:
  addi  sp, sp, -16
  sd    ra, 0(sp)

  /* ---- mstatus / sstatus ---- */
  csrr  s10, mstatus
  li    t0, -1
  csrw  mstatus, t0
  csrr  s4, mstatus
  csrw  mstatus, s10
  li    t0, MSTATUS_SPEC
  and   s4, s4, t0
  SHOW "mstatus write -1 (spec fields) ->", s4
  csrw  mstatus, zero
  csrr  s4, mstatus
  li    t0, MSTATUS_SPEC
  and   s4, s4, t0
  csrw  mstatus, s10
  SHOW "mstatus write 0 (spec fields) ->", s4
  csrr  s4, mstatus
  srli  s4, s4, 32
  andi  s4, s4, 0xf
  SHOW "mstatus UXL|SXL<<2 ->", s4
  .irp mpp, 0, 1, 3
  li    t0, 3 << 11
  csrc  mstatus, t0
  li    t0, \mpp << 11
  csrs  mstatus, t0
  csrr  s4, mstatus
  srli  s4, s4, 11
  andi  s4, s4, 3
  SHOW "mstatus.MPP write \mpp ->", s4
  .endr
  csrw  mstatus, s10
  /* FS=3 makes SD read 1; FS=1 with no FP write keeps SD=0 */
  li    t0, 3 << 13
  csrs  mstatus, t0
  csrr  s4, mstatus
  srli  s4, s4, 63
  SHOW "mstatus.FS=3 -> SD", s4
  li    t0, 3 << 13
  csrc  mstatus, t0
  li    t0, 1 << 13
  csrs  mstatus, t0
  csrr  s4, mstatus
  srli  s4, s4, 63
  SHOW "mstatus.FS=1 -> SD", s4
  /* an FP register write makes FS dirty */
  fmv.w.x fa0, zero
  csrr  s4, mstatus
  srli  s4, s4, 13
  andi  s4, s4, 3
  SHOW "after fmv.w.x: FS ->", s4
  li    t0, 3 << 13
  csrc  mstatus, t0
  li    t0, 1 << 13
  csrs  mstatus, t0
  csrwi fflags, 1
  csrr  s4, mstatus
  srli  s4, s4, 13
  andi  s4, s4, 3
  SHOW "after csrw fflags: FS ->", s4
  /* FS=0: FP instructions and FP CSRs are illegal */
  li    t0, 3 << 13
  csrc  mstatus, t0
  TRY "FS=0: fadd.s", "fadd.s fa0, fa0, fa0"
  TRY "FS=0: csrr fflags", "csrr s4, fflags"
  TRY "FS=0: csrr fcsr", "csrr s4, fcsr"
  TRY "FS=0: fmv.x.d", "fmv.x.d s4, fa0"
  TRY "FS=0: flw", "flw fa0, 0(sp)"
  csrw  mstatus, s10
  /* sstatus is a view of mstatus */
  li    t0, -1
  csrw  mstatus, t0
  csrr  s4, sstatus
  csrw  mstatus, s10
  li    t0, SSTATUS_SPEC
  and   s4, s4, t0
  SHOW "mstatus=-1: sstatus (spec fields) ->", s4
  csrw  mstatus, zero
  li    t0, -1
  csrw  sstatus, t0
  csrr  s4, mstatus
  csrw  mstatus, s10
  li    t0, MSTATUS_SPEC
  and   s4, s4, t0
  SHOW "sstatus=-1: mstatus (spec fields) ->", s4

  /* ---- misa ---- */
  csrr  s4, misa
  srli  s4, s4, 62
  SHOW "misa.MXL ->", s4
  csrr  s4, misa
  li    t0, 0x14112d              /* A C D F I M S U */
  and   s4, s4, t0
  SHOW "misa (ACDFIMSU bits) ->", s4

  /* ---- delegation registers ---- */
  li    t0, -1
  csrw  medeleg, t0
  csrr  s4, medeleg
  li    t0, 0xb3ff                /* causes 0-9, 12, 13, 15 */
  and   s4, s4, t0
  SHOW "medeleg write -1 (std causes) ->", s4
  /* (medeleg[11], ecall from M, is not printed: QEMU 7.2 lets it be set) */
  csrw  medeleg, zero
  csrr  s4, medeleg
  SHOW "medeleg write 0 ->", s4
  li    t0, -1
  csrw  mideleg, t0
  csrr  s4, mideleg
  andi  s4, s4, 0x222
  SHOW "mideleg write -1 (SSI STI SEI) ->", s4
  csrr  s4, mideleg
  li    t0, 0x888
  and   s4, s4, t0
  SHOW "mideleg M bits (read-only 0) ->", s4

  /* ---- mie / mip / sie / sip ---- */
  csrw  mideleg, zero
  li    t0, -1
  csrw  mie, t0
  csrr  s4, mie
  li    t0, 0xaaa
  and   s4, s4, t0
  SHOW "mie write -1 (std bits) ->", s4
  csrr  s4, sie
  li    t0, 0xaaa
  and   s4, s4, t0
  SHOW "sie with mideleg=0 ->", s4
  li    t0, 0x222
  csrw  mideleg, t0
  csrr  s4, sie
  li    t0, 0xaaa
  and   s4, s4, t0
  SHOW "sie with mideleg=0x222 ->", s4
  csrw  sie, zero
  csrr  s4, mie
  li    t0, 0xaaa
  and   s4, s4, t0
  SHOW "sie write 0 -> mie", s4
  csrw  mie, zero
  li    t0, 0x222
  csrs  mip, t0
  csrr  s4, mip
  andi  s4, s4, 0x222
  SHOW "mip set SSIP|STIP|SEIP ->", s4
  csrr  s4, sip
  andi  s4, s4, 0x222
  SHOW "sip view (mideleg=0x222) ->", s4
  csrc  sip, 2
  csrr  s4, mip
  andi  s4, s4, 0x222
  SHOW "sip clear SSIP -> mip", s4
  li    t0, 0x222
  csrc  mip, t0
  csrr  s4, mip
  andi  s4, s4, 0x222
  SHOW "mip cleared ->", s4
  li    t0, 0x888
  csrs  mip, t0               /* MSIP MTIP MEIP are read-only in mip */
  csrr  s4, mip
  li    t0, 0x808
  and   s4, s4, t0
  SHOW "mip set MSIP|MEIP (read-only) ->", s4
  csrw  mideleg, zero

  /* ---- trap setup registers ---- */
  csrr  s10, mtvec
  la    t0, trap_entry
  ori   t0, t0, 1
  csrw  mtvec, t0
  csrr  s4, mtvec
  andi  s4, s4, 3
  SHOW "mtvec vectored mode ->", s4
  csrw  mtvec, s10
  csrr  s4, mtvec
  la    t0, trap_entry
  sub   s4, s4, t0
  SHOW "mtvec direct restored (minus handler) ->", s4
  /* mepc/sepc[0] must read 0 (IALIGN=16); QEMU 7.2 returns the written bit 0, so only bits 63:1 are
     printed here (bit 0 is a known QEMU deviation, see the report). */
  li    t0, 0x8000000000012347
  csrw  mepc, t0
  csrr  s4, mepc
  srli  s4, s4, 1
  SHOW "mepc write ...2347 (>>1) ->", s4
  li    t0, 0x0000000000012345
  csrw  sepc, t0
  csrr  s4, sepc
  srli  s4, s4, 1
  SHOW "sepc write ...2345 (>>1) ->", s4
  li    t0, 0x8000000000000000 + 0x80001000
  csrw  stvec, t0
  csrr  s4, stvec
  SHOW "stvec write ->", s4
  csrw  stvec, zero
  .irp csr, mscratch, sscratch, mtval, stval
  li    t0, 0xdeadbeefcafef00d
  csrw  \csr, t0
  csrr  s4, \csr
  SHOW "\csr round trip ->", s4
  .endr
  la    t0, trap_save
  csrw  mscratch, t0
  li    t0, 0x800000000000000b
  csrw  mcause, t0
  csrr  s4, mcause
  SHOW "mcause write interrupt 11 ->", s4
  li    t0, 13
  csrw  scause, t0
  csrr  s4, scause
  SHOW "scause write 13 ->", s4

  /* ---- satp ---- */
  csrw  satp, zero
  li    t0, (8 << 60) | 0x80123
  csrw  satp, t0
  csrr  s4, satp
  srli  s4, s4, 60
  SHOW "satp Sv39 write: mode ->", s4
  csrr  s4, satp
  li    t0, 0xfffffffffff
  and   s4, s4, t0
  SHOW "  ppn ->", s4
  li    t0, (9 << 60) | 0x80456
  csrw  satp, t0
  csrr  s4, satp
  srli  s4, s4, 60
  SHOW "satp Sv48 write: mode ->", s4
  csrw  satp, zero
  li    t0, (1 << 60) | 0x80789
  csrw  satp, t0
  csrr  s4, satp
  SHOW "satp mode 1 (unsupported) write ignored ->", s4
  li    t0, (15 << 60) | 0x80789
  csrw  satp, t0
  csrr  s4, satp
  SHOW "satp mode 15 (unsupported) write ignored ->", s4
  csrw  satp, zero

  /* ---- counters ---- */
  li    t0, 7
  csrw  mcounteren, t0
  csrr  s4, mcounteren
  andi  s4, s4, 7
  SHOW "mcounteren write 7 (CY TM IR) ->", s4
  csrw  mcounteren, zero
  csrr  s4, mcounteren
  SHOW "mcounteren write 0 ->", s4
  li    t0, 7
  csrw  scounteren, t0
  csrr  s4, scounteren
  andi  s4, s4, 7
  SHOW "scounteren write 7 ->", s4
  csrw  scounteren, zero
  csrr  s4, mcountinhibit
  andi  s4, s4, 0
  SHOW "mcountinhibit readable ->", s4
  csrw  mcountinhibit, zero
  csrr  s2, mcycle
  nop
  nop
  csrr  s3, mcycle
  sltu  s4, s2, s3
  SHOW "mcycle increases ->", s4
  csrr  s2, minstret
  nop
  nop
  csrr  s3, minstret
  sltu  s4, s2, s3
  SHOW "minstret increases ->", s4
  rdcycle s2
  nop
  rdcycle s3
  sltu  s4, s2, s3
  SHOW "cycle increases ->", s4
  rdinstret s2
  nop
  rdinstret s3
  sltu  s4, s2, s3
  SHOW "instret increases ->", s4
  rdtime s2
  li    s5, 50000000
1: rdtime s3
  bne   s3, s2, 2f
  addi  s5, s5, -1
  bnez  s5, 1b
2: sltu s4, s2, s3
  SHOW "time advances ->", s4
  li    t0, CLINT + 0xbff8
  ld    s2, 0(t0)
  li    s5, 50000000
1: ld   s3, 0(t0)
  bne   s3, s2, 2f
  addi  s5, s5, -1
  bnez  s5, 1b
2: sltu s4, s2, s3
  SHOW "CLINT mtime advances ->", s4
  /* ---- machine information registers ---- */
  csrr  s4, mhartid
  SHOW "mhartid ->", s4
  TRY "csrr mvendorid (no trap)", "csrr s4, mvendorid"
  TRY "csrr marchid (no trap)", "csrr s4, marchid"
  TRY "csrr mimpid (no trap)", "csrr s4, mimpid"
  TRY "csrs mvendorid, x0 (no write, no trap)", "csrs mvendorid, x0"
  TRY "csrrsi mhartid, 0 (no trap)", "csrrsi s4, mhartid, 0"
  TRY "csrw mvendorid (read-only: trap)", "csrw mvendorid, zero"
  TRY "csrrw x0, mhartid (read-only: trap)", "csrrw x0, mhartid, s4"
  /* (csrrs with rs1 != x0 holding 0 on a read-only CSR must trap; QEMU 7.2 does not: not tested) */
  TRY "csrrci mimpid, 1 (trap)", "csrrci s4, mimpid, 1"
  TRY "csrw cycle (read-only: trap)", "csrw cycle, zero"
  TRY "csrw time (read-only: trap)", "csrw time, zero"
  /* ---- CSRs that must not exist on this hart ---- */
  TRY "csrr 0x7c0 custom (trap)", "csrr s4, 0x7c0"
  TRY "csrr 0x5c0 custom (trap)", "csrr s4, 0x5c0"
  TRY "csrr 0x0ff unallocated (trap)", "csrr s4, 0x0ff"
  TRY "csrr 0x8ff custom U (trap)", "csrr s4, 0x8ff"
  /* ---- CSRs that must exist ---- */
  TRY "csrr menvcfg", "csrr s4, menvcfg"
  TRY "csrr senvcfg", "csrr s4, senvcfg"
  TRY "csrr mconfigptr", "csrr s4, 0xf15"
  TRY "csrr pmpcfg0", "csrr s4, pmpcfg0"
  TRY "csrr pmpaddr0", "csrr s4, pmpaddr0"
  TRY "csrr mhpmcounter3", "csrr s4, mhpmcounter3"
  TRY "csrr mhpmevent3", "csrr s4, mhpmevent3"
  TRY "csrr hpmcounter3 (M-mode)", "csrr s4, hpmcounter3"
  li    t0, 1
  slli  t0, t0, 63
  csrs  menvcfg, t0
  csrr  s4, menvcfg
  srli  s4, s4, 63
  SHOW "menvcfg.STCE set ->", s4
  csrc  menvcfg, t0
  /* ---- fcsr / frm / fflags mapping ---- */
  csrwi fcsr, 0
  csrwi fflags, 0x1f
  csrwi frm, 3
  csrr  s4, fcsr
  SHOW "fflags=1f frm=3 -> fcsr", s4
  li    t0, 0xa5
  csrw  fcsr, t0
  csrr  s4, frm
  SHOW "fcsr=a5 -> frm", s4
  csrr  s4, fflags
  SHOW "fcsr=a5 -> fflags", s4
  li    t0, 0x3ff
  csrrw s4, fflags, t0
  SHOW "csrrw fflags old ->", s4
  csrr  s4, fcsr
  SHOW "fflags write 3ff -> fcsr", s4
  csrrwi s4, frm, 0
  SHOW "csrrwi frm old ->", s4
  csrwi fcsr, 0
  /* ---- csrr* return old values, in every form ---- */
  li    t0, 0x0f0
  csrw  mscratch, t0
  li    t1, 0x00f
  csrrs s4, mscratch, t1
  SHOW "csrrs old ->", s4
  csrrc s4, mscratch, t0
  SHOW "csrrc old ->", s4
  csrrwi s4, mscratch, 0x1f
  SHOW "csrrwi old ->", s4
  csrrsi s4, mscratch, 0x0
  SHOW "csrrsi 0 old ->", s4
  csrrci s4, mscratch, 0x3
  SHOW "csrrci old ->", s4
  csrr  s4, mscratch
  SHOW "final ->", s4
  la    t0, trap_save
  csrw  mscratch, t0

  ld    ra, 0(sp)
  addi  sp, sp, 16
  ret
