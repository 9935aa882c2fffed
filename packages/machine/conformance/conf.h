/* Shared macros for the conformance programs (GNU as macros; files are run through cpp). */
#define UART0   0x10000000
#define TESTDEV 0x100000
#define CLINT   0x2000000



/* Print a literal string. Clobbers a0, t0-t3, ra. */
.macro PS s
  .pushsection .rodata.str, "aMS", @progbits, 1
777: .asciz "\s"
  .popsection
  la a0, 777b
  call puts
.endm

/* Print " " then reg as 16 hex digits. */
.macro PH reg
  mv a0, \reg
  call sphex64
.endm
/* Print " " then reg as 8 hex digits. */
.macro PH32 reg
  mv a0, \reg
  call sphex32
.endm
/* Print " " then low 2 hex digits. */
.macro PH8 reg
  mv a0, \reg
  call sphex8
.endm
.macro PNL
  call putnl
.endm

/* Trap recovery: the next trap resumes at \lab in M-mode instead of skipping the instruction. */
.macro RESUME_AT lab
  la t0, \lab
  la t1, trap_resume
  sd t0, 0(t1)
.endm
.macro SRESUME_AT lab
  la t0, \lab
  la t1, strap_resume
  sd t0, 0(t1)
.endm

/* r-type check: "op a b -> rd" */
.macro RR op, a, b
  li s2, \a
  li s3, \b
  \op s4, s2, s3
  PS "\op"
  call out_r2
.endm
/* r-type check with rd == rs1 and rs2 == rs1 forms are tested separately */
.macro RI op, a, imm
  li s2, \a
  \op s4, s2, \imm
  PS "\op \imm"
  call out_r1
.endm
.macro R1 op, a
  li s2, \a
  \op s4, s2
  PS "\op"
  call out_r1
.endm

/* Apply "op rd, rs1, rs2" to every ordered pair of the table [\tab, \tab_end). */
.macro RR_ALL op, tab=vals
  la    s6, \tab
10: la  s7, \tab
11: ld  s2, 0(s6)
  ld    s3, 0(s7)
  \op   s4, s2, s3
  PS "\op"
  call  out_r2
  addi  s7, s7, 8
  la    t0, \tab\()_end
  bne   s7, t0, 11b
  addi  s6, s6, 8
  bne   s6, t0, 10b
.endm

/* Apply "op rd, rs1, rs2" to (every value of \tab) x (every value of \tab2). */
.macro RR_X op, tab, tab2
  la    s6, \tab
10: la  s7, \tab2
11: ld  s2, 0(s6)
  ld    s3, 0(s7)
  \op   s4, s2, s3
  PS "\op"
  call  out_r2
  addi  s7, s7, 8
  la    t0, \tab2\()_end
  bne   s7, t0, 11b
  addi  s6, s6, 8
  la    t0, \tab\()_end
  bne   s6, t0, 10b
.endm

/* Apply "op rd, rs1, imm" to every value of the table. */
.macro RI_ALL op, imm, tab=vals
  la    s6, \tab
10: ld  s2, 0(s6)
  \op   s4, s2, \imm
  PS "\op \imm"
  call  out_r1
  addi  s6, s6, 8
  la    t0, \tab\()_end
  bne   s6, t0, 10b
.endm

/* The standard 64-bit edge-value table. */
.macro VALS_TABLE
  .pushsection .rodata
  .balign 8
vals:
  .dword 0, 1, -1, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffff, 0x80000000
  .dword 0xffffffff80000000, 0xffffffff, 0x123456789abcdef0, 0xfffffffffffffffe, 0x100000000
vals_end:
  .popsection
.endm

/* The next trap does not print its cause (QEMU 7.2 gives a non-conforming cause there). */
.macro NOCAUSE
  la    t0, trap_nocause
  li    t1, 1
  sd    t1, 0(t0)
.endm

/* Enter privilege \mode (0 U, 1 S, 3 M) at \target via mret; the next M-mode trap resumes at \resume. */
.macro GO mode, target, resume
  RESUME_AT \resume
  li    t0, 3 << 11
  csrc  mstatus, t0
  li    t0, \mode << 11
  csrs  mstatus, t0
  la    t0, \target
  csrw  mepc, t0
  mret
.endm

.macro SHOW label, reg
  PS "\label"
  PH    \reg
  PNL
.endm
/* "label" then the instruction expected to trap or not: the trap line (if any) follows */
.macro TRY label, insn
  PS "\label"
  PNL
  \insn
.endm
.macro SETUP_STRAP
  la    t0, strap_entry
  csrw  stvec, t0
  la    t0, strap_save
  csrw  sscratch, t0
.endm
