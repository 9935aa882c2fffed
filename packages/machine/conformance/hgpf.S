/* Guest-page faults of the hypervisor extension (priv spec 8.5, 8.6.3), run with -cpu rv64,h=true.
   VS-mode (Sv39 vsatp over Sv39x4 hgatp) loads, stores, AMOs and fetches whose VS-stage walk reads
   a page-table entry that the G-stage does not map (an implicit access: htval/mtval2 = the PTE's
   guest physical address >> 2, htinst/mtinst = the PTE-read pseudoinstruction), whose A/D update
   hits a read-only G-stage page, and explicit accesses to guest physical addresses the G-stage
   does not map. Each case runs with the fault taken in M-mode (mcause, mtval, mtval2, mtinst,
   mstatus.GVA/MPV) and delegated to HS-mode (scause, stval, htval, htinst, hstatus.GVA/SPV/SPVP).
   An HLV.D from M-mode takes the same implicit fault. Hypervisor instructions need
   -Wa,-march=rv64gc_h (GCC 12 does not accept h in -march). */
#include "conf.h"
#define CSR_HSTATUS 0x600
#define CSR_HEDELEG 0x602
#define CSR_HTVAL 0x643
#define CSR_HTINST 0x64a
#define CSR_HGATP 0x680
#define CSR_VSATP 0x280
#define CSR_MTINST 0x34a
#define CSR_MTVAL2 0x34b
#define PV 1
#define PR 2
#define PW 4
#define PX 8
#define PU 16
#define PA 64
#define PD 128
#define DELEG_GPF ((1 << 20) | (1 << 21) | (1 << 23))

/* table[index] = PTE naming the page of symbol \target */
.macro PTE table, index, target, flags
  la    t0, \target
  srli  t0, t0, 12
  slli  t0, t0, 10
  ori   t0, t0, \flags
  la    t1, \table
  li    t2, \index * 8
  add   t1, t1, t2
  sd    t0, 0(t1)
.endm
/* table[index] = PTE naming physical (or guest physical) address \pa */
.macro PTEC table, index, pa, flags
  li    t0, ((\pa >> 12) << 10) | \flags
  la    t1, \table
  li    t2, \index * 8
  add   t1, t1, t2
  sd    t0, 0(t1)
.endm

/* One case: print the label, rebuild the tables, then enter VS-mode at \stub with medeleg = \deleg.
   The stub ends in an ecall (cause 10, to M) when its access does not trap; either way the M-mode
   handler resumes after the case. */
.macro T label, stub, deleg, nocause=0
  PS    "\label"
  PNL
  call  tables
  li    t0, \nocause
  la    t1, nocause
  sd    t0, 0(t1)
  li    t0, \deleg
  csrw  medeleg, t0
  la    t0, 1f
  la    t1, resume
  sd    t0, 0(t1)
  li    t0, 3 << 11
  csrc  mstatus, t0
  li    t0, 1 << 11           /* MPP = S */
  csrs  mstatus, t0
  li    t0, 1
  slli  t0, t0, 39            /* MPV = 1: mret enters VS-mode */
  csrs  mstatus, t0
  la    t0, \stub
  csrw  mepc, t0
  mret
1:
.endm
/* Both ways of taking the fault. \nocause=1: the cause prints as xx, where QEMU 7.2 does not
   follow the spec (it reports a load guest-page fault for every implicit G-stage fault and for
   AMOs; priv spec 8.5.1: the original access type, store/AMO 23 or instruction 20). */
.macro T2 label, stub, nocause=0
  T     "\label (to M)", \stub, 0, \nocause
  T     "\label (to HS)", \stub, DELEG_GPF, \nocause
.endm
/* Print the cause in s1, or xx when the case asked for that. */
.macro CAUSE
  la    t0, nocause
  ld    t0, 0(t0)
  bnez  t0, 81f
  PH    s1
  j     82f
81: PS  " xx"
82:
.endm
.macro SHOWPTE label, table, index
  la    t0, \table
  ld    s4, (\index * 8)(t0)
  SHOW  "\label", s4
.endm

  .text
  .globl main
main:
  la    t0, m_handler
  csrw  mtvec, t0
  la    t0, hs_handler
  csrw  stvec, t0
  csrw  CSR_HEDELEG, zero
  li    t0, 0x2000            /* vsstatus.FS = Initial: fld in VS-mode needs both FS fields */
  csrs  0x200, t0
  la    t0, g_root            /* hgatp: Sv39x4, VMID 0 */
  srli  t0, t0, 12
  li    t1, 8 << 60
  or    t0, t0, t1
  csrw  CSR_HGATP, t0
  la    t0, vs_root           /* vsatp: Sv39, ASID 0; the root's GPA equals its address */
  srli  t0, t0, 12
  li    t1, 8 << 60
  or    t0, t0, t1
  csrw  CSR_VSATP, t0

  /* Implicit accesses: the VS-stage walk reads a PTE at a guest physical address that the
     G-stage does not map (GPA 0x1_0000_0000: root index 4, no G-stage entry). */
  T2    "ld: level-1 PTE at unmapped GPA 0x100000000", vs_ld_l1
  T2    "c.ld: level-1 PTE at unmapped GPA", vs_cld_l1
  T2    "sd: level-1 PTE at unmapped GPA", vs_sd_l1, 1
  T2    "amoadd.w: level-1 PTE at unmapped GPA", vs_amo_l1, 1
  T2    "fetch: level-1 PTE at unmapped GPA", vs_fetch_l1, 1
  T2    "lw: level-0 PTE at unmapped GPA 0x100003008", vs_lw_l0
  /* A VS-stage table on a read-only G-stage page (GPA 0xc000_0000) serves walks that need no A/D
     update. (One that needs an update is an implicit store, a store/AMO guest-page fault with
     htinst 0x3020 by 8.5.1/8.6.3; QEMU 7.2 instead sets A through the read-only page, or hangs for
     a store, so that case is covered by unit tests: packages/isa/src/hart/hext.test.ts.) */
  T2    "ld: A and D already set, read-only G-stage page", vs_ld_adset
  /* Explicit accesses: the VS-stage leaf names GPA 0x1_0000_0000.., unmapped by the G-stage. */
  T2    "ld 8(a0): final GPA unmapped", vs_ld_gpa
  T2    "lw -4(a0): final GPA unmapped", vs_lw_gpa
  T2    "c.lw: final GPA unmapped", vs_clw_gpa
  T2    "sd 16(a0): final GPA unmapped", vs_sd_gpa
  T2    "c.sd: final GPA unmapped", vs_csd_gpa
  T2    "sh 2(a0): final GPA unmapped", vs_sh_gpa
  T2    "amoswap.d: final GPA unmapped", vs_amo_gpa, 1
  T2    "fld 8(a0): final GPA unmapped", vs_fld_gpa
  T2    "fetch: final GPA unmapped", vs_fetch_gpa

  /* HLV.D from M-mode (hstatus.SPVP = 1: as VS): the same implicit fault, GVA set, MPV clear. */
  PS    "hlv.d from M: level-1 PTE at unmapped GPA"
  PNL
  call  tables
  la    t0, nocause
  sd    zero, 0(t0)
  csrw  medeleg, zero
  li    t0, 1 << 8
  csrs  CSR_HSTATUS, t0
  la    t0, 1f
  la    t1, resume
  sd    t0, 0(t1)
  li    a0, 0x40000100
  hlv.d a1, (a0)
  ecall
1:
  j     poweroff

/* (Re)build both translation stages and fence them. */
tables:
  la    t0, tables_start
  la    t1, tables_end
1: sd   zero, 0(t0)
  addi  t0, t0, 8
  bltu  t0, t1, 1b
  /* G-stage: GPA 0x8000_0000.. identity as a 1 GiB page (U RWX A D); GPA 0xc000_0000 -> a 4 KiB
     read-only page holding vs_l1b; nothing else. */
  PTEC  g_root, 2, 0x80000000, PV | PR | PW | PX | PU | PA | PD
  PTE   g_root, 3, g_l1c, PV
  PTE   g_l1c, 0, g_l0c, PV
  PTE   g_l0c, 0, vs_l1b, PV | PR | PU | PA
  /* VS-stage (its GPAs 0x8000_0000.. are host addresses): */
  PTE   vs_root, 0, vs_l1, PV                           /* VA 0: level 1 here, */
  PTEC  vs_l1, 1, 0x100003000, PV                       /* ...VA 0x20_0000: level 0 unmapped */
  PTEC  vs_root, 1, 0x100000000, PV                     /* VA 0x4000_0000: level 1 unmapped */
  PTEC  vs_root, 2, 0x80000000, PV | PR | PW | PX | PA | PD   /* VA 0x8000_0000: code, 1 GiB */
  PTEC  vs_root, 3, 0xc0000000, PV                      /* VA 0xc000_0000: level 1 read-only */
  PTEC  vs_root, 4, 0x100000000, PV | PR | PW | PX | PA | PD  /* VA 0x1_0000_0000: unmapped GPA */
  PTEC  vs_l1b, 0, 0x80000000, PV | PR | PW             /* A = D = 0 */
  PTEC  vs_l1b, 1, 0x80000000, PV | PR | PW | PA | PD
  hfence.gvma
  hfence.vvma
  ret

/* ---- VS-mode stubs ---- */
vs_ld_l1:
  li    a0, 0x40000100
  ld    a1, 8(a0)
  ecall
vs_cld_l1:
  li    a0, 0x40000100
  c.ld  a1, 16(a0)
  ecall
vs_sd_l1:
  li    a0, 0x40000100
  sd    a1, 24(a0)
  ecall
vs_amo_l1:
  li    a0, 0x40000200
  amoadd.w a1, a2, (a0)
  ecall
vs_fetch_l1:
  li    a0, 0x40000040
  jr    a0
vs_lw_l0:
  li    a0, 0x00201000
  lw    a1, 4(a0)
  ecall
vs_ld_adset:
  li    a0, 0xc0200100
  ld    a1, 0(a0)
  ecall
vs_ld_gpa:
  li    a0, 0x100000100
  ld    a1, 8(a0)
  ecall
vs_lw_gpa:
  li    a0, 0x100000100
  lw    a1, -4(a0)
  ecall
vs_clw_gpa:
  li    a0, 0x100000100
  c.lw  a1, 12(a0)
  ecall
vs_sd_gpa:
  li    a0, 0x100000100
  sd    a1, 16(a0)
  ecall
vs_csd_gpa:
  li    a0, 0x100000100
  c.sd  a1, 24(a0)
  ecall
vs_sh_gpa:
  li    a0, 0x100000100
  sh    a1, 2(a0)
  ecall
vs_amo_gpa:
  li    a0, 0x100000100
  amoswap.d a1, a2, (a0)
  ecall
vs_fld_gpa:
  li    a0, 0x100000100
  fld   fa1, 8(a0)
  ecall
vs_fetch_gpa:
  li    a0, 0x100000040
  jr    a0

/* ---- M-mode handler: one line per trap (ecalls from HS, cause 9, are the HS handler's way back),
   then resume after the case. ---- */
  .balign 4
m_handler:
  csrr  s0, mcause
  li    t0, 9
  beq   s0, t0, 1f
  li    t0, 10                /* the stub's ecall: its access did not trap. QEMU 7.2 leaves a */
  bne   s0, t0, 2f            /* stale mstatus.GVA = 1 here (8.4.1: 0 for traps without a GVA), */
  PS    "  M ecall from VS: no fault"  /* so this line shows no CSRs */
  PNL
  j     1f
2:
  PS    "  M cause"
  mv    s1, s0
  CAUSE
  PS    " epc"
  csrr  s1, mepc
  PH    s1
  PS    " tval"
  csrr  s1, mtval
  PH    s1
  PS    " tval2"
  csrr  s1, CSR_MTVAL2
  PH    s1
  PS    " tinst"
  csrr  s1, CSR_MTINST
  PH    s1
  PS    " gva,mpv"
  csrr  s1, mstatus
  srli  s1, s1, 38
  andi  s1, s1, 3
  PH8   s1
  PNL
1: csrw CSR_HTVAL, zero       /* no stale values into the next case */
  csrw  CSR_HTINST, zero
  csrw  CSR_MTVAL2, zero
  csrw  CSR_MTINST, zero
  la    t0, resume
  ld    t0, 0(t0)
  jr    t0

/* ---- HS-mode handler: one line, then ecall to M. ---- */
  .balign 4
hs_handler:
  PS    "  HS cause"
  csrr  s1, scause
  CAUSE
  PS    " epc"
  csrr  s1, sepc
  PH    s1
  PS    " tval"
  csrr  s1, stval
  PH    s1
  PS    " htval"
  csrr  s1, CSR_HTVAL
  PH    s1
  PS    " htinst"
  csrr  s1, CSR_HTINST
  PH    s1
  PS    " spvp,spv,gva"
  csrr  s1, CSR_HSTATUS
  srli  s1, s1, 6
  andi  s1, s1, 7
  PH8   s1
  PNL
  ecall

  .data
  .balign 8
resume: .dword 0
nocause: .dword 0

  .bss
  .balign 16384
tables_start:
g_root: .space 16384
g_l1c:  .space 4096
g_l0c:  .space 4096
vs_root: .space 4096
vs_l1:  .space 4096
vs_l1b: .space 4096
tables_end:
