/** Linux riscv64 system-call numbers (asm-generic/unistd.h): a7 = number, a0..a5 = arguments. */
export const SYS = {
  getcwd: 17,
  ioctl: 29,
  mkdirat: 34,
  unlinkat: 35,
  faccessat: 48,
  chdir: 49,
  openat: 56,
  close: 57,
  getdents64: 61,
  lseek: 62,
  read: 63,
  write: 64,
  readv: 65,
  writev: 66,
  pread64: 67,
  pwrite64: 68,
  readlinkat: 78,
  newfstatat: 79,
  fstat: 80,
  fsync: 82,
  exit: 93,
  exit_group: 94,
  set_tid_address: 96,
  futex: 98,
  set_robust_list: 99,
  nanosleep: 101,
  clock_gettime: 113,
  sched_yield: 124,
  kill: 129,
  tgkill: 131,
  rt_sigaction: 134,
  rt_sigprocmask: 135,
  uname: 160,
  getpid: 172,
  getppid: 173,
  getuid: 174,
  geteuid: 175,
  getgid: 176,
  getegid: 177,
  gettid: 178,
  brk: 214,
  munmap: 215,
  clone: 220,
  execve: 221,
  mmap: 222,
  mprotect: 226,
  wait4: 260,
  prlimit64: 261,
  getrandom: 278,
  rseq: 293,
} as const;

/** errno values (asm-generic/errno-base.h); system calls return their negation. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EIO: 5,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  ESPIPE: 29,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
} as const;

export type Errno = keyof typeof ERRNO;

/** The negative return value of a failed system call. */
export function fail(e: Errno): bigint {
  return BigInt(-ERRNO[e]);
}

export const O_ACCMODE = 3;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECTORY = 0o200000;
export const O_CLOEXEC = 0o2000000;
export const AT_FDCWD = -100;
export const AT_EMPTY_PATH = 0x1000;

export const S_IFCHR = 0o020000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** Signals a process can be killed by. */
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGBUS = 7;
export const SIGKILL = 9;
export const SIGSEGV = 11;
export const SIGCHLD = 17;

/** clone(2) flags that fork-style clones may carry (glibc's fork passes the tid ones). */
export const CLONE_PARENT_SETTID = 0x0010_0000;
export const CLONE_CHILD_CLEARTID = 0x0020_0000;
export const CLONE_CHILD_SETTID = 0x0100_0000;
export const CSIGNAL = 0xff;
/** wait4 options. */
export const WNOHANG = 1;
