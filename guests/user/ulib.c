#include "ulib.h"

static long sc(long nr, long a0, long a1, long a2, long a3) {
  register long r0 __asm__("a0") = a0;
  register long r1 __asm__("a1") = a1;
  register long r2 __asm__("a2") = a2;
  register long r3 __asm__("a3") = a3;
  register long r7 __asm__("a7") = nr;
  __asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r7) : "memory");
  return r0;
}

void exit(int status) { sc(SYS_exit, status, 0, 0, 0); for (;;) {} }
int fork(void) { return (int)sc(SYS_fork, 0, 0, 0, 0); }
int wait(int *status) { return (int)sc(SYS_wait, (long)status, 0, 0, 0); }
int getpid(void) { return (int)sc(SYS_getpid, 0, 0, 0, 0); }
long write(int fd, const void *buf, usize n) { return sc(SYS_write, fd, (long)buf, (long)n, 0); }
long read(int fd, void *buf, usize n) { return sc(SYS_read, fd, (long)buf, (long)n, 0); }
int exec(const char *name, char *const argv[]) { return (int)sc(SYS_exec, (long)name, (long)argv, 0, 0); }
void *sbrk(long incr) { return (void *)sc(SYS_sbrk, incr, 0, 0, 0); }
long disk_info(int dev) { return sc(SYS_disk_info, dev, 0, 0, 0); }
long disk_read(int dev, u64 sector, void *buf, u64 n) { return sc(SYS_disk_read, dev, (long)sector, (long)buf, (long)n); }
long disk_write(int dev, u64 sector, void *buf, u64 n) { return sc(SYS_disk_write, dev, (long)sector, (long)buf, (long)n); }
u64 uptime(void) { return (u64)sc(SYS_uptime, 0, 0, 0, 0); }
u64 time_us(void) { return (u64)sc(SYS_time_us, 0, 0, 0, 0); }
void yield(void) { sc(SYS_yield, 0, 0, 0, 0); }
long bootargs(char *buf, usize n) { return sc(SYS_bootargs, (long)buf, (long)n, 0, 0); }

int printf(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
  write(1, buf, (usize)n);
  return n;
}

u64 arg_u64(int argc, char **argv, const char *key, u64 dflt) {
  u64 v = dflt;
  for (int i = 1; i < argc; i++) v = kv_u64(argv[i], key, v);
  return v;
}
