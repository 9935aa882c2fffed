/* User programs, each a separate ELF built from user/, embedded in the kernel image. The table
 * maps a name to the blob; exec() loads from it. The Makefile passes the directory holding the
 * ELFs to the assembler with -I, which .incbin searches. */
  .section .rodata
  .balign 8
prog_init:
  .incbin "init.elf"
prog_init_end:
name_init:
  .asciz "init"
  .balign 8
prog_cpu:
  .incbin "cpu.elf"
prog_cpu_end:
name_cpu:
  .asciz "cpu"
  .balign 8
prog_mem:
  .incbin "mem.elf"
prog_mem_end:
name_mem:
  .asciz "mem"
  .balign 8
prog_fork:
  .incbin "fork.elf"
prog_fork_end:
name_fork:
  .asciz "fork"
  .balign 8
prog_disk:
  .incbin "disk.elf"
prog_disk_end:
name_disk:
  .asciz "disk"
  .balign 8
prog_console:
  .incbin "console.elf"
prog_console_end:
name_console:
  .asciz "console"

  .balign 8
  .globl program_table
program_table:
  .dword name_init, prog_init, prog_init_end - prog_init
  .dword name_cpu, prog_cpu, prog_cpu_end - prog_cpu
  .dword name_mem, prog_mem, prog_mem_end - prog_mem
  .dword name_fork, prog_fork, prog_fork_end - prog_fork
  .dword name_disk, prog_disk, prog_disk_end - prog_disk
  .dword name_console, prog_console, prog_console_end - prog_console
  .dword 0, 0, 0
