/* Virtual memory: Sv39 and Sv48 page tables built here; 4K/2M/1G (and 512G) pages, loads, stores
   and fetches in S and U mode, page faults with stval, hardware A/D updates, SUM, MXR, MPRV,
   sfence.vma, misaligned superpages, non-canonical addresses. Every S/U excursion performs one
   access and then ecalls; a page fault or ecall resumes M-mode at the next check. */
#include "conf.h"
#define V 1
#define R 2
#define W 4
#define X 8
#define U 16
#define A 64
#define D 128
#define VA_PAGES 0x40000000

/* table[index] = leaf/pointer PTE for physical address of \target with \flags */
.macro PTE table, index, target, flags
  la    t0, \target
  srli  t0, t0, 12
  slli  t0, t0, 10
  ori   t0, t0, \flags
  la    t1, \table
  sd    t0, (\index * 8)(t1)
.endm
/* same with a constant physical address */
.macro PTEC table, index, pa, flags
  li    t0, ((\pa >> 12) << 10) | \flags
  la    t1, \table
  sd    t0, (\index * 8)(t1)
.endm
.macro SHOWPTE label, table, index
  la    t0, \table
  ld    s4, (\index * 8)(t0)
  SHOW "\label", s4
.endm
/* One check: \mode (0 U / 1 S) runs "\insn" with s2 = \va, s3 = 0x5555 then ecalls; prints s4. */
.macro ACC label, mode, va, insn
  PS "\label"
  PNL
  sfence.vma
  li    s2, \va
  li    s3, 0x5555
  li    s4, 0xdead
  RESUME_AT 1f
  li    t0, 3 << 11
  csrc  mstatus, t0
  li    t0, \mode << 11
  csrs  mstatus, t0
  la    t0, 2f
  .if \mode == 0
  li    t1, 0x40000000        /* U code runs from the U alias of RAM at 0xc0000000 */
  add   t0, t0, t1
  .endif
  csrw  mepc, t0
  mret
2: \insn
  ecall
1: SHOW "  s4 ->", s4
.endm
.macro MS bits
  li    t0, \bits
  csrs  mstatus, t0
.endm
.macro MC bits
  li    t0, \bits
  csrc  mstatus, t0
.endm

  .text
  .globl main
main:
  addi  sp, sp, -16
  sd    ra, 0(sp)
  la    t0, trap_resume_mask
  li    t1, (1 << 1) | (1 << 8) | (1 << 9) | (1 << 12) | (1 << 13) | (1 << 15)
  sd    t1, 0(t0)
  li    t0, 0x1111
  la    t1, testpage
  sd    t0, 0(t1)
  li    t0, 0x2222
  la    t1, testpage2
  sd    t0, 0(t1)
  li    t0, 0x3333
  li    t1, 0x80400000
  sd    t0, 8(t1)

  /* Sv39 root: 1G identity leaves for devices (0) and RAM (2); U alias of RAM at 0xc0000000 (3) */
  PTEC  l2, 0, 0x00000000, V|R|W|A|D
  PTE   l2, 1, l1, V
  PTEC  l2, 2, 0x80000000, V|R|W|X|A|D
  PTEC  l2, 3, 0x80000000, V|R|W|X|U|A|D
  PTE   l1, 0, l0, V
  PTEC  l1, 1, 0x80400000, V|R|W|A|D            /* 2M page at 0x40200000 */
  PTEC  l1, 2, 0x80401000, V|R|W|A|D            /* misaligned 2M superpage at 0x40400000 */
  PTE   l0, 0, testpage, V|R                    /* 0x40000000: R, A=0 */
  PTE   l0, 1, testpage, V|R|W                  /* 0x40001000: RW, A=0 D=0 */
  PTE   l0, 2, testpage, V|X|A                  /* 0x40002000: X only */
  PTE   l0, 3, testpage, V|R|W|U|A|D            /* 0x40003000: U RW */
  PTE   l0, 4, testpage, V|W|A|D                /* 0x40004000: W only (reserved) */
  /* 0x40005000: invalid */
  PTE   l0, 6, codepage, V|X|U|A                /* 0x40006000: U X */
  PTE   l0, 7, codepage, V|X|A                  /* 0x40007000: S X */
  PTE   l0, 8, testpage, V|R|W|A                /* 0x40008000: RW, A=1 D=0 */
  PTE   l0, 9, testpage, V|R|W|X|U|A|D          /* 0x40009000: U RWX */
  PTE   l0, 10, testpage, R|W|A|D               /* 0x4000a000: V=0 with other bits */
  la    t0, l2
  srli  t0, t0, 12
  li    t1, 8 << 60
  or    t0, t0, t1
  csrw  satp, t0
  sfence.vma

  ACC "Sv39 S ld 1G identity page", 1, 0x80000000 + 0x100000, "ld s4, 0(s2)"
  ACC "Sv39 S ld R page with A=0", 1, VA_PAGES + 0x0000, "ld s4, 0(s2)"
  SHOWPTE "  pte ->", l0, 0
  ACC "Sv39 S sd RW page with A=0 D=0", 1, VA_PAGES + 0x1000, "sd s3, 8(s2); ld s4, 8(s2)"
  SHOWPTE "  pte ->", l0, 1
  ACC "Sv39 S ld RW page with A=1 D=0 (D stays 0)", 1, VA_PAGES + 0x8000, "ld s4, 0(s2)"
  SHOWPTE "  pte ->", l0, 8
  ACC "Sv39 S sd RW page with A=1 D=0", 1, VA_PAGES + 0x8000, "sd s3, 16(s2); ld s4, 16(s2)"
  SHOWPTE "  pte ->", l0, 8
  ACC "Sv39 S sd to R-only page: 15", 1, VA_PAGES + 0x0000, "sd s3, 0(s2)"
  ACC "Sv39 S amoadd to R-only page: 15", 1, VA_PAGES + 0x0008, "amoadd.d s4, s3, (s2)"
  ACC "Sv39 S lr.d on R page ok", 1, VA_PAGES + 0x0000, "lr.d s4, (s2)"
  ACC "Sv39 S ld X-only page, MXR=0: 13", 1, VA_PAGES + 0x2000, "ld s4, 0(s2)"
  MS    1 << 19
  ACC "Sv39 S ld X-only page, MXR=1", 1, VA_PAGES + 0x2000, "ld s4, 0(s2)"
  MC    1 << 19
  ACC "Sv39 S ld U page, SUM=0: 13", 1, VA_PAGES + 0x3000, "ld s4, 0(s2)"
  ACC "Sv39 S sd U page, SUM=0: 15", 1, VA_PAGES + 0x3000, "sd s3, 0(s2)"
  MS    1 << 18
  ACC "Sv39 S ld U page, SUM=1", 1, VA_PAGES + 0x3000, "ld s4, 0(s2)"
  ACC "Sv39 S fetch U page, SUM=1: 12", 1, VA_PAGES + 0x6000, "jalr s2"
  ACC "Sv39 S ld 1G U alias, SUM=1", 1, 0xc0000000 + 0x100000, "ld s4, 0(s2)"
  MC    1 << 18
  ACC "Sv39 S ld W-only (reserved) page: 13", 1, VA_PAGES + 0x4000, "ld s4, 0(s2)"
  ACC "Sv39 S sd W-only (reserved) page: 15", 1, VA_PAGES + 0x4000, "sd s3, 0(s2)"
  ACC "Sv39 S ld invalid PTE: 13", 1, VA_PAGES + 0x5000, "ld s4, 0(s2)"
  ACC "Sv39 S sd invalid PTE: 15", 1, VA_PAGES + 0x5008, "sd s3, 0(s2)"
  ACC "Sv39 S fetch invalid PTE: 12", 1, VA_PAGES + 0x5000, "jalr s2"
  ACC "Sv39 S ld V=0 PTE with RWAD: 13", 1, VA_PAGES + 0xa000, "ld s4, 0(s2)"
  ACC "Sv39 S fetch S X page", 1, VA_PAGES + 0x7000, "jalr s2"
  ACC "Sv39 S ld 2M page", 1, VA_PAGES + 0x200000 + 8, "ld s4, 0(s2)"
  ACC "Sv39 S ld misaligned 2M superpage: 13", 1, VA_PAGES + 0x400000, "ld s4, 0(s2)"
  ACC "Sv39 S ld unmapped (l1 entry 3 zero): 13", 1, VA_PAGES + 0x600000, "ld s4, 0(s2)"
  ACC "Sv39 S ld non-canonical 0x0000004000000000: 13", 1, 0x0000004000000000, "ld s4, 0(s2)"
  ACC "Sv39 S sd non-canonical 0xffff000080000000: 15", 1, 0xffff000080000000, "sd s3, 0(s2)"
  ACC "Sv39 S fetch non-canonical 0x0000008000000000: 12", 1, 0x0000008000000000, "jalr s2"
  ACC "Sv39 S ld canonical high 0xffffffc000000000 (l2[256], zero): 13", 1, 0xffffffc000000000, "ld s4, 0(s2)"
  ACC "Sv39 U ld U page", 0, VA_PAGES + 0x3000, "ld s4, 0(s2)"
  ACC "Sv39 U ld S page: 13", 0, VA_PAGES + 0x1000, "ld s4, 0(s2)"
  ACC "Sv39 U sd S page: 15", 0, VA_PAGES + 0x1000, "sd s3, 0(s2)"
  ACC "Sv39 U fetch U X page", 0, VA_PAGES + 0x6000, "jalr s2"
  ACC "Sv39 U fetch S X page: 12", 0, VA_PAGES + 0x7000, "jalr s2"
  MS    1 << 18
  ACC "Sv39 U ld S page with SUM=1 (SUM is for S only): 13", 0, VA_PAGES + 0x1000, "ld s4, 0(s2)"
  MC    1 << 18
  MS    1 << 19
  ACC "Sv39 U ld U RWX page with MXR=1", 0, VA_PAGES + 0x9000, "ld s4, 0(s2)"
  MC    1 << 19
  ACC "Sv39 U sd U RWX page", 0, VA_PAGES + 0x9000, "sd s3, 24(s2); ld s4, 24(s2)"

  /* MPRV: M-mode loads/stores translated with MPP's privilege */
  PS "MPRV=1 MPP=S: M ld 0x40000000"
  PNL
  li    s2, VA_PAGES
  li    s4, 0xdead
  MC    3 << 11
  MS    (1 << 11) | (1 << 17)
  ld    s4, 0(s2)
  MC    (1 << 17) | (3 << 11)
  SHOW  "  s4 ->", s4
  PS "MPRV=1 MPP=S: M ld U page, SUM=0: 13"
  PNL
  li    s2, VA_PAGES + 0x3000
  li    s4, 0xdead
  RESUME_AT 1f
  MS    (1 << 11) | (1 << 17)
  ld    s4, 0(s2)
1: MC   (1 << 17) | (3 << 11)
  SHOW  "  s4 ->", s4
  PS "MPRV=1 MPP=U: M ld U page"
  PNL
  li    s2, VA_PAGES + 0x3000
  li    s4, 0xdead
  MS    (1 << 17)
  ld    s4, 0(s2)
  MC    (1 << 17)
  SHOW  "  s4 ->", s4
  PS "MPRV=1: fetches are not translated (M code keeps running)"
  PNL
  /* sfence.vma after changing a PTE */
  ACC "before remap", 1, VA_PAGES + 0x1000, "ld s4, 0(s2)"
  PTE   l0, 1, testpage2, V|R|W|A|D
  ACC "after remap + sfence.vma", 1, VA_PAGES + 0x1000, "ld s4, 0(s2)"
  PTE   l0, 1, testpage, V|R|W|A|D
  ACC "S sfence.vma with rs1/rs2 after remap back, then ld", 1, VA_PAGES + 0x1000, "sfence.vma s2, zero; ld s4, 0(s2)"

  /* ---- Sv48: root[0] -> the Sv39 root; root[2] = 512G leaf at VA 0x100_0000_0000 -> PA 0 ---- */
  PTE   l3, 0, l2, V
  PTEC  l3, 2, 0, V|R|W|A|D
  PTEC  l3, 4, 0x1000, V|R|W|A|D                 /* misaligned 512G page */
  la    t0, l3
  srli  t0, t0, 12
  li    t1, 9 << 60
  or    t0, t0, t1
  csrw  satp, t0
  sfence.vma
  csrr  s4, satp
  srli  s4, s4, 60
  SHOW "Sv48 satp.MODE ->", s4
  ACC "Sv48 S ld 4K page", 1, VA_PAGES + 0x0000, "ld s4, 0(s2)"
  ACC "Sv48 S ld 2M page", 1, VA_PAGES + 0x200000 + 8, "ld s4, 0(s2)"
  ACC "Sv48 S ld 512G page", 1, 0x10000000000 + 0x80400008, "ld s4, 0(s2)"
  ACC "Sv48 S ld misaligned 512G page: 13", 1, 0x20000000000 + 0x80400008, "ld s4, 0(s2)"
  ACC "Sv48 S ld 0x0000004000000000 (canonical in Sv48, l2[256] zero): 13", 1, 0x0000004000000000, "ld s4, 0(s2)"
  ACC "Sv48 S ld non-canonical 0x0000800000000000: 13", 1, 0x0000800000000000, "ld s4, 0(s2)"
  ACC "Sv48 S ld unmapped root[1]: 13", 1, 0x0000008000000000, "ld s4, 0(s2)"
  ACC "Sv48 U fetch U X page", 0, VA_PAGES + 0x6000, "jalr s2"
  ACC "Sv48 U ld S page: 13", 0, VA_PAGES + 0x1000, "ld s4, 0(s2)"

  csrw  satp, zero
  sfence.vma
  ld    ra, 0(sp)
  addi  sp, sp, 16
  ret

  /* code page: returns 0x77 in s4 through ecall */
  .balign 4096
codepage:
  li    s4, 0x77
  ecall
  .balign 4096

  .bss
  .balign 4096
l3: .space 4096
l2: .space 4096
l1: .space 4096
l0: .space 4096
testpage: .space 4096
testpage2: .space 4096
