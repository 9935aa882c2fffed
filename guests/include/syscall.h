/* System call numbers, shared by the kernel and user programs. ABI: number in a7, arguments in
 * a0..a5, result in a0 (negative on error), as in the Linux RISC-V convention. */
#ifndef SYSCALL_H
#define SYSCALL_H
#define SYS_exit 0
#define SYS_fork 1
#define SYS_wait 2        /* wait(int *status) -> pid of reaped child, -1 if no children */
#define SYS_getpid 3
#define SYS_write 4       /* write(fd, buf, n): fd 1 and 2 are the console */
#define SYS_read 5        /* read(fd, buf, n): fd 0 is the console; returns >= 1 byte */
#define SYS_exec 6        /* exec(name, argv): programs are linked into the kernel image */
#define SYS_sbrk 7        /* sbrk(increment) -> previous break */
#define SYS_disk_info 8   /* disk_info(dev) -> capacity in sectors, -1 if absent */
#define SYS_disk_read 9   /* disk_read(dev, sector, buf, n) */
#define SYS_disk_write 10 /* disk_write(dev, sector, buf, n) */
#define SYS_uptime 11     /* timer ticks since boot */
#define SYS_time_us 12    /* microseconds since boot (for INFO lines only) */
#define SYS_yield 13
#define SYS_bootargs 14   /* bootargs(buf, n): copy the kernel command line */

#define DISK_VIRTIO 0
#define DISK_PIO 1
#define SECTOR_SIZE 512
#endif
