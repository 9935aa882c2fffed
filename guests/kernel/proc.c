/*
 * Processes and the round-robin scheduler. One hart, so no locks: the kernel runs with
 * interrupts disabled except in the idle loop, and preemption happens only on a timer tick taken
 * from U-mode (trap.c calls yield()).
 */
#include "kernel.h"

static struct proc procs[NPROC];
static struct context sched_ctx;
struct proc *curproc;
static int next_pid = 1;
static struct proc *initproc;
static u8 kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));

extern void proc_first_run(void);

void proc_init(void) { memset(procs, 0, sizeof procs); }

static struct proc *proc_alloc(void) {
  for (int i = 0; i < NPROC; i++) {
    struct proc *p = &procs[i];
    if (p->state != UNUSED) continue;
    memset(p, 0, sizeof *p);
    /* Kernel stacks are static, one per slot: no need for contiguous page allocation. */
    p->kstack = kstacks[i];
    p->tf = (struct trapframe *)(p->kstack + KSTACK_SIZE - sizeof(struct trapframe));
    p->ctx.ra = (u64)proc_first_run;
    p->ctx.sp = (u64)p->tf;
    p->pid = next_pid++;
    p->state = WAITING;   /* not runnable until fully built */
    return p;
  }
  return NULL;
}

static void proc_free(struct proc *p) {
  if (p->root) uvm_free(p->root);
  p->state = UNUSED;
}

/* ---- ELF loading (ELF-64 Object File Format v1.5; System V gABI ch. 5 "Program Loading") ---- */
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

static u16 rd16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 rd32(const u8 *p) { return rd16(p) | (u32)rd16(p + 2) << 16; }
static u64 rd64(const u8 *p) { return rd32(p) | (u64)rd32(p + 4) << 32; }

/* Build a fresh address space for program `name` with argv, and point p's trap frame at it.
 * On failure p is untouched. */
static int exec_into(struct proc *p, const char *name, char *const argv[], int argc) {
  usize size;
  const u8 *elf = program_find(name, &size);
  if (!elf || size < 64 || memcmp(elf, "\177ELF\2\1", 6) != 0 || rd16(elf + 18) != 243 /* EM_RISCV */)
    return -1;
  pte_t *root = uvm_create();
  if (!root) return -1;
  u64 entry = rd64(elf + 24), phoff = rd64(elf + 32);
  u16 phentsize = rd16(elf + 54), phnum = rd16(elf + 56);
  u64 top = USER_BASE;
  for (int i = 0; i < phnum; i++) {
    const u8 *ph = elf + phoff + (u64)i * phentsize;
    if (rd32(ph) != PT_LOAD) continue;
    u32 flags = rd32(ph + 4);
    u64 off = rd64(ph + 8), va = rd64(ph + 16), filesz = rd64(ph + 32), memsz = rd64(ph + 40);
    if (va < USER_BASE || va + memsz > USER_HEAP_MAX || off + filesz > size) goto bad;
    u64 perm = (flags & PF_R ? PTE_R : 0) | (flags & PF_W ? PTE_W : 0) | (flags & PF_X ? PTE_X : 0);
    for (u64 pg = ALIGN_DOWN(va, PAGE_SIZE); pg < va + memsz; pg += PAGE_SIZE)
      if (!uvm_translate(root, pg) && uvm_alloc(root, pg, pg + PAGE_SIZE, perm) < 0) goto bad;
    if (copy_out(root, va, elf + off, filesz) < 0) goto bad;
    if (va + memsz > top) top = va + memsz;
  }
  if (uvm_alloc(root, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE, USER_STACK_TOP, PTE_R | PTE_W) < 0) goto bad;
  /* Initial stack (psABI-like): strings, then argv[] with a NULL terminator, sp 16-byte aligned. */
  u64 sp = USER_STACK_TOP, uargv[33];
  if (argc > 32) goto bad;
  for (int i = argc - 1; i >= 0; i--) {
    usize len = strlen(argv[i]) + 1;
    sp -= len;
    if (copy_out(root, sp, argv[i], len) < 0) goto bad;
    uargv[i] = sp;
  }
  uargv[argc] = 0;
  sp = ALIGN_DOWN(sp, 16) - ALIGN_UP((u64)(argc + 1) * 8, 16);
  if (copy_out(root, sp, uargv, (u64)(argc + 1) * 8) < 0) goto bad;

  /* Code was written with ordinary stores: make it visible to instruction fetch (Zifencei). */
  __asm__ volatile("fence.i" ::: "memory");
  pte_t *old = p->root;
  p->root = root;
  p->heap_base = p->brk = ALIGN_UP(top, PAGE_SIZE);
  strncpy_z(p->name, name, sizeof p->name);
  memset(p->tf, 0, sizeof *p->tf);
  p->tf->epc = entry;
  p->tf->x[TF_SP] = sp;
  p->tf->x[TF_A(0)] = (u64)argc;
  p->tf->x[TF_A(1)] = sp;
  /* U-mode with interrupts enabled after sret: SPP = 0, SPIE = 1 (4.1.1). */
  p->tf->sstatus = (csr_read(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE)) | SSTATUS_SPIE;
  if (p == curproc) vm_switch(root);
  if (old) uvm_free(old);
  return argc;
bad:
  uvm_free(root);
  return -1;
}

int proc_exec(const char *name, char *const argv[], int argc) { return exec_into(curproc, name, argv, argc); }

struct proc *proc_spawn_init(const char *prog, const char *args) {
  static char buf[sizeof boot.bootargs];
  char *argv[33];
  int argc = 0;
  argv[argc++] = (char *)prog;
  strncpy_z(buf, args, sizeof buf);
  /* Split the command line at spaces: each bootarg becomes one argv entry. */
  for (char *s = buf; *s && argc < 32;) {
    while (*s == ' ') *s++ = 0;
    if (!*s) break;
    argv[argc++] = s;
    while (*s && *s != ' ') s++;
  }
  struct proc *p = proc_alloc();
  if (!p || exec_into(p, prog, argv, argc) < 0) panic("cannot start %s", prog);
  initproc = p;
  p->state = RUNNABLE;
  return p;
}

int proc_fork(void) {
  struct proc *p = curproc, *np = proc_alloc();
  if (!np) return -1;
  np->root = uvm_create();
  if (!np->root || uvm_copy(np->root, p->root) < 0) { proc_free(np); return -1; }
  __asm__ volatile("fence.i" ::: "memory");   /* the child's text pages are fresh copies */
  *np->tf = *p->tf;
  np->tf->x[TF_A(0)] = 0;   /* the child sees fork() == 0 */
  np->brk = p->brk;
  np->heap_base = p->heap_base;
  np->parent = p;
  memcpy(np->name, p->name, sizeof np->name);
  np->state = RUNNABLE;
  return np->pid;
}

void proc_exit(int status) {
  struct proc *p = curproc;
  if (p == initproc) {
    /* The whole run ends with init: its status carries every workload's self-check. */
    kprintf("DONE %s\n", status == 0 ? "pass" : "fail");
    poweroff(status != 0);
  }
  for (int i = 0; i < NPROC; i++) {
    if (procs[i].state != UNUSED && procs[i].parent == p) {
      procs[i].parent = initproc;
      if (procs[i].state == ZOMBIE && initproc->state == WAITING) initproc->state = RUNNABLE;
    }
  }
  p->xstatus = status;
  p->state = ZOMBIE;
  if (p->parent && p->parent->state == WAITING) p->parent->state = RUNNABLE;
  swtch(&p->ctx, &sched_ctx);
  panic("zombie ran");
}

int proc_wait(u64 status_va) {
  struct proc *p = curproc;
  for (;;) {
    int have_kids = 0;
    for (int i = 0; i < NPROC; i++) {
      struct proc *c = &procs[i];
      if (c->state == UNUSED || c->parent != p) continue;
      have_kids = 1;
      if (c->state != ZOMBIE) continue;
      int pid = c->pid;
      if (status_va && copy_out(p->root, status_va, &c->xstatus, sizeof c->xstatus) < 0) return -1;
      proc_free(c);
      return pid;
    }
    if (!have_kids) return -1;
    p->state = WAITING;
    swtch(&p->ctx, &sched_ctx);
  }
}

void yield(void) {
  curproc->state = RUNNABLE;
  swtch(&curproc->ctx, &sched_ctx);
}

void scheduler(void) {
  int last = NPROC - 1;
  for (;;) {
    intr_off();
    struct proc *run = NULL;
    for (int i = 1; i <= NPROC; i++) {
      int idx = (last + i) % NPROC;
      if (procs[idx].state == RUNNABLE) { run = &procs[idx]; last = idx; break; }
    }
    if (!run) {
      /* Nothing runnable: sleep until an interrupt (tick, UART) changes that. */
      intr_on();
      wfi();
      continue;
    }
    run->state = RUNNING;
    curproc = run;
    vm_switch(run->root);
    swtch(&sched_ctx, &run->ctx);
    curproc = NULL;
  }
}
