/**
 * The system-call interface of our own guest kernel (guests/include/syscall.h): number in a7,
 * arguments in a0..a5, result in a0, -1 on every error. Its user programs (guests/user/*.c) are
 * linked at USER_BASE by guests/user/user.ld and started with a0 = argc, a1 = argv.
 */
export const VMK_SYS = {
  exit: 0,
  fork: 1,
  wait: 2,
  getpid: 3,
  write: 4,
  read: 5,
  exec: 6,
  sbrk: 7,
  disk_info: 8,
  disk_read: 9,
  disk_write: 10,
  uptime: 11,
  time_us: 12,
  yield: 13,
  bootargs: 14,
} as const;

/** The guest ABI's only error value. */
export const VMK_ERROR = -1n;

/** Link (and entry) address of every guest user program: USER_BASE in guests/kernel/kernel.h. */
export const VMK_USER_BASE = 0x20_0000_0000;

/** The guest kernel's timer tick (guests/kernel/timer.c): 10 ms, 100 per second. */
export const VMK_TICKS_PER_SECOND = 100;

/** The guest kernel's heap limit (USER_HEAP_MAX in guests/kernel/kernel.h). */
export const VMK_HEAP_MAX = 0x30_0000_0000;
