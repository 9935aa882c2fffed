/* User-side library: system call wrappers and printing (lib/ provides the string helpers). */
#ifndef ULIB_H
#define ULIB_H
#include "types.h"
#include "lib.h"
#include "syscall.h"

void exit(int status) __attribute__((noreturn));
int fork(void);
int wait(int *status);
int getpid(void);
long write(int fd, const void *buf, usize n);
long read(int fd, void *buf, usize n);
int exec(const char *name, char *const argv[]);
void *sbrk(long incr);
long disk_info(int dev);
long disk_read(int dev, u64 sector, void *buf, u64 n);
long disk_write(int dev, u64 sector, void *buf, u64 n);
u64 uptime(void);
u64 time_us(void);
void yield(void);
long bootargs(char *buf, usize n);

int printf(const char *fmt, ...);

/* Parameter lookup: argv entries are the bootargs ("cpu.iters=200 ..."). */
u64 arg_u64(int argc, char **argv, const char *key, u64 dflt);
#endif
