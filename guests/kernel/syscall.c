/* System call dispatch; numbers in include/syscall.h. */
#include "kernel.h"
#include "syscall.h"
#include "pv_mmu.h"

static i64 sys_write(u64 fd, u64 buf, u64 n) {
  char chunk[128];
  if (fd != 1 && fd != 2) return -1;
  for (u64 done = 0; done < n;) {
    usize c = n - done > sizeof chunk ? sizeof chunk : n - done;
    if (copy_in(curproc->root, chunk, buf + done, c) < 0) return -1;
    console_write(chunk, c);
    done += c;
  }
  return (i64)n;
}

static i64 sys_read(u64 fd, u64 buf, u64 n) {
  if (fd != 0) return -1;
  if (n == 0) return 0;
  int c;
  /* Wait for the first byte; briefly open the interrupt window so a UART IRQ can land. */
  while ((c = console_getc()) < 0) {
    intr_on();
    intr_off();
    yield();
  }
  u64 got = 0;
  do {
    char ch = (char)c;
    if (copy_out(curproc->root, buf + got, &ch, 1) < 0) return -1;
    got++;
  } while (got < n && (c = console_getc()) >= 0);
  return (i64)got;
}

static i64 sys_exec(u64 uname, u64 uargv) {
  static char names[1024];
  static char *argv[33];
  char name[32];
  if (copy_in_str(curproc->root, name, uname, sizeof name) < 0) return -1;
  usize used = 0;
  int argc = 0;
  for (; argc < 32; argc++) {
    u64 ptr;
    if (copy_in(curproc->root, &ptr, uargv + 8 * (u64)argc, 8) < 0) return -1;
    if (!ptr) break;
    int len = copy_in_str(curproc->root, names + used, ptr, sizeof names - used);
    if (len < 0) return -1;
    argv[argc] = names + used;
    used += (usize)len + 1;
  }
  return proc_exec(name, argv, argc);
}

static i64 sys_sbrk(i64 incr) {
  struct proc *p = curproc;
  u64 old = p->brk, new = old + (u64)incr;
  if (incr < 0 || new > USER_HEAP_MAX) return -1;   /* growing only */
  if (uvm_alloc(p->root, ALIGN_UP(old, PAGE_SIZE), ALIGN_UP(new, PAGE_SIZE), PTE_R | PTE_W) < 0) return -1;
  /* New leaves in the live address space: without Svvptc a fence is needed before the process
   * may rely on them (Priv. spec 4.2.1). */
  pv_mmu_flush_all();
  p->brk = new;
  return (i64)old;
}

static i64 sys_bootargs(u64 buf, u64 n) {
  usize len = strlen(boot.bootargs) + 1;
  if (n < len) return -1;
  return copy_out(curproc->root, buf, boot.bootargs, len) < 0 ? -1 : (i64)len - 1;
}

void syscall(struct trapframe *tf) {
  u64 *a = &tf->x[TF_A(0)];
  u64 nr = tf->x[TF_A(7)];
  i64 r;
  switch (nr) {
  case SYS_exit: proc_exit((int)a[0]);
  case SYS_fork: r = proc_fork(); break;
  case SYS_wait: r = proc_wait(a[0]); break;
  case SYS_getpid: r = curproc->pid; break;
  case SYS_write: r = sys_write(a[0], a[1], a[2]); break;
  case SYS_read: r = sys_read(a[0], a[1], a[2]); break;
  case SYS_exec: r = sys_exec(a[0], a[1]); break;
  case SYS_sbrk: r = sys_sbrk((i64)a[0]); break;
  case SYS_disk_info: r = disk_capacity((int)a[0]); break;
  case SYS_disk_read: r = disk_io((int)a[0], a[1], a[2], a[3], 0); break;
  case SYS_disk_write: r = disk_io((int)a[0], a[1], a[2], a[3], 1); break;
  case SYS_uptime: r = (i64)ticks; break;
  case SYS_time_us: r = (i64)time_us(); break;
  case SYS_yield: yield(); r = 0; break;
  case SYS_bootargs: r = sys_bootargs(a[0], a[1]); break;
  default: r = -1; break;
  }
  tf->x[TF_A(0)] = (u64)r;
}
