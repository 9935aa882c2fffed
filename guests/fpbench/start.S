/*
 * Entry of the FP benchmark, a bare-metal M-mode program for the virt board (loaded at
 * 0x80000000 by `-bios none -kernel`). QEMU and vm pass a0 = hart id, a1 = devicetree address.
 * Harts other than 0 park; hart 0 turns the FPU on (mstatus.FS = Initial: off at reset, priv spec
 * 3.1.6.6), gets a stack and calls main(fdt); main's return value goes to the sifive_test
 * finisher (0x100000): 0x5555 = pass, (code << 16) | 0x3333 = fail.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	csrw	mie, zero
	bnez	a0, park
	li	t0, 0x2000
	csrs	mstatus, t0
	la	sp, stack_top
	mv	a0, a1
	call	main
	li	t0, 0x100000
	li	t1, 0x5555
	beqz	a0, 1f
	slli	t1, a0, 16
	li	t2, 0x3333
	or	t1, t1, t2
1:	sw	t1, 0(t0)
park:	wfi
	j	park

	.bss
	.balign 16
	.space	16384
stack_top:
