/* User entry: the kernel starts us with a0 = argc, a1 = argv, sp = top of the stack. */
  .section .text.entry
  .globl _start
_start:
  call main
  li a7, 0        /* SYS_exit(main's return value) */
  ecall
1:
  j 1b
