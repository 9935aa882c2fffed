/* Kernel-wide declarations. One header keeps the small kernel easy to navigate; each .c file
 * below implements one concept. */
#ifndef KERNEL_H
#define KERNEL_H
#include "types.h"
#include "lib.h"
#include "riscv.h"

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12

/* Build flavour (Makefile): BOOT_M (own M-mode code), BOOT_S (SBI payload), PARAVIRT (SBI + pv hooks). */
#if defined(PARAVIRT)
#define FLAVOUR "pv"
#elif defined(BOOT_M)
#define FLAVOUR "m"
#else
#define FLAVOUR "s"
#endif

/* ---- boot information gathered from the DTB (fdt.c) ---- */
#define MAX_VIRTIO 8
struct bootinfo {
  u64 ram_base, ram_size;
  u64 timebase_hz;
  char bootargs[512];
  u64 uart_base; u32 uart_irq;
  u64 plic_base;
  u64 test_base;                 /* sifive,test0 (M-mode poweroff) */
  u64 virtio_base[MAX_VIRTIO]; u32 virtio_irq[MAX_VIRTIO]; int nvirtio;
  u64 pio_base; u32 pio_irq;
  u64 dtb_pa, dtb_size;
};
extern struct bootinfo boot;
void fdt_parse(const void *dtb);

/* ---- console (console.c, uart.c) ---- */
void uart_init(int use_irq);
void uart_putc(char c);
int uart_getc(void);            /* -1 if nothing received */
void uart_intr(void);
void uart_flush(void);
void console_init(void);
void console_write(const char *s, usize n);
int console_getc(void);         /* -1 if nothing available */
void kprintf(const char *fmt, ...);
void panic(const char *fmt, ...) __attribute__((noreturn));

/* ---- interrupts and timer ---- */
void plic_init(void);
void plic_enable(u32 irq);
u32 plic_claim(void);
void plic_complete(u32 irq);
void timer_init(void);
void timer_tick(void);          /* called on every tick interrupt */
extern volatile u64 ticks;
u64 time_us(void);
void trap_init(void);

/* ---- power (power.c): code 0 = pass ---- */
void poweroff(int fail) __attribute__((noreturn));

/* ---- physical pages (kalloc.c) ---- */
void kalloc_init(u64 start, u64 end);
void *kalloc(void);             /* one zeroed 4 KiB page, or NULL */
void kfree(void *page);
u64 kalloc_free_pages(void);

/* ---- Sv39 (vm.c) ---- */
typedef u64 pte_t;
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_PA(pte) (((pte) >> 10) << 12)
#define PA_PTE(pa) ((((u64)(pa)) >> 12) << 10)
/* User address space: its own root slots (VA bits 38:30 = 128..255) far from the kernel's
 * identity-mapped gigapages (slots 0..3), so the two never overlap. */
#define USER_BASE 0x2000000000UL
#define USER_STACK_TOP 0x3f00000000UL
#define USER_STACK_PAGES 8
#define USER_HEAP_MAX 0x3000000000UL
void kvm_init(void);
pte_t *uvm_create(void);
int uvm_map(pte_t *root, u64 va, u64 pa, u64 perm);
int uvm_alloc(pte_t *root, u64 va_start, u64 va_end, u64 perm);
int uvm_copy(pte_t *dst, pte_t *src);
void uvm_free(pte_t *root);
u64 uvm_translate(pte_t *root, u64 va);   /* user PA for va, 0 if unmapped/not user */
int copy_in(pte_t *root, void *dst, u64 src_va, usize n);
int copy_out(pte_t *root, u64 dst_va, const void *src, usize n);
int copy_in_str(pte_t *root, char *dst, u64 src_va, usize max);
void vm_switch(pte_t *root);
extern pte_t *kernel_root;

/* ---- processes (proc.c) ---- */
struct context { u64 ra, sp, s[12]; };
/* Trap frame: slot i holds x[i] (slot 0 = sepc), slot 32 = sstatus. Layout used by trap.S. */
struct trapframe { u64 epc; u64 x[31]; u64 sstatus; u64 pad; };
#define TF_RA 0
#define TF_SP 1
#define TF_A0 9
#define TF_A(n) (9 + (n))

enum pstate { UNUSED, RUNNABLE, RUNNING, WAITING, ZOMBIE };
#define NPROC 64
#define KSTACK_SIZE 8192
struct proc {
  enum pstate state;
  int pid;
  struct proc *parent;
  pte_t *root;
  u8 *kstack;
  struct trapframe *tf;
  struct context ctx;
  u64 brk;          /* end of heap (user VA) */
  u64 heap_base;
  int xstatus;
  char name[16];
};
extern struct proc *curproc;
void proc_init(void);
void scheduler(void) __attribute__((noreturn));
void yield(void);
struct proc *proc_spawn_init(const char *prog, const char *args);
int proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
int proc_wait(u64 status_va);
int proc_exec(const char *name, char *const argv[], int argc);
void swtch(struct context *old, struct context *new);
void user_return(struct trapframe *tf) __attribute__((noreturn));

/* ---- programs embedded in the image (programs.S) ---- */
const u8 *program_find(const char *name, usize *size);

/* ---- syscalls (syscall.c) ---- */
void syscall(struct trapframe *tf);

/* ---- disks ---- */
int virtio_blk_init(void);            /* 0 if a virtio-blk device was found */
u64 virtio_blk_capacity(void);
int virtio_blk_rw(u64 sector, u8 *buf, u32 nsect, int write); /* buf: kernel memory */
int pio_disk_init(void);
u64 pio_disk_capacity(void);
int pio_disk_rw(u64 sector, u8 *buf, u32 nsect, int write);
int disk_present(int dev);
i64 disk_capacity(int dev);
i64 disk_io(int dev, u64 sector, u64 user_buf, u64 nsect, int write);
#endif
