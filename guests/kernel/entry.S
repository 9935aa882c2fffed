/* S-mode entry. SBI boot protocol (SBI spec ch. 3 / Linux boot convention): a0 = hartid,
 * a1 = physical address of the DTB, satp = 0. In the M-mode image, mstart.S arrives here by mret
 * with the same registers. Only hart 0 runs the kernel; QEMU's default is one hart. */
  .section .text.entry
  .globl _start
_start:
#ifdef BOOT_M
  j mstart                  /* M-mode image: the reset vector lands here in M-mode */
#endif
  .globl s_start
s_start:
  bnez a0, park
  la sp, boot_stack_top
  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:
  csrw sscratch, zero       /* 0 = "trapped from the kernel", see trap.S */
  call kmain
park:
  wfi
  j park

  .section .bss
  .align 4
boot_stack:
  .space 16384
  .globl boot_stack_top
boot_stack_top:
