/* Shared macros for the conformance programs (GNU as macros; files are run through cpp). */
#define UART0   0x10000000
#define TESTDEV 0x100000
#define CLINT   0x2000000

  .altmacro

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
