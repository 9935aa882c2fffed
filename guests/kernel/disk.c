/*
 * Disk syscalls: move data between a user buffer and a device through kernel bounce pages (user
 * pages are not physically contiguous, and copying keeps the drivers simple). The transfer is cut
 * into page-sized requests; for virtio as many as the ring holds are in flight at once.
 */
#include "kernel.h"
#include "syscall.h"

int vblk_queue(u64 sector, u8 *buf, u32 nsect, int write);
int vblk_finish(void);
int virtio_blk_slots(void);

#define BOUNCE 16
#define SECT_PER_PAGE (PAGE_SIZE / SECTOR_SIZE)
static u8 *bounce[BOUNCE];

i64 disk_capacity(int dev) {
  u64 c = dev == DISK_VIRTIO ? virtio_blk_capacity() : dev == DISK_PIO ? pio_disk_capacity() : 0;
  return c ? (i64)c : -1;
}

static int ensure_bounce(void) {
  for (int i = 0; i < BOUNCE; i++)
    if (!bounce[i] && !(bounce[i] = kalloc())) return -1;
  return 0;
}

i64 disk_io(int dev, u64 sector, u64 ubuf, u64 nsect, int write) {
  i64 cap = disk_capacity(dev);
  if (cap < 0 || sector + nsect > (u64)cap || sector + nsect < sector) return -1;
  if (ensure_bounce() < 0) return -1;
  pte_t *root = curproc->root;
  int batch = 1;   /* native: one request in flight, one notification each */
#ifdef PARAVIRT
  if (dev == DISK_VIRTIO) batch = virtio_blk_slots() < BOUNCE ? virtio_blk_slots() : BOUNCE;
#endif
  u64 done = 0;
  while (done < nsect) {
    /* One round: up to `batch` page-sized requests. */
    u64 round_start = done;
    u32 counts[BOUNCE];
    int n = 0;
    for (; n < batch && done < nsect; n++) {
      u32 c = nsect - done > SECT_PER_PAGE ? SECT_PER_PAGE : (u32)(nsect - done);
      counts[n] = c;
      if (write && copy_in(root, bounce[n], ubuf + done * SECTOR_SIZE, c * SECTOR_SIZE) < 0) return -1;
      if (dev == DISK_VIRTIO) {
        if (vblk_queue(sector + done, bounce[n], c, write) < 0) return -1;
      } else if (pio_disk_rw(sector + done, bounce[n], c, write) < 0) {
        return -1;
      }
      done += c;
    }
    if (dev == DISK_VIRTIO && vblk_finish() < 0) return -1;
    if (!write) {
      u64 off = round_start;
      for (int i = 0; i < n; i++) {
        if (copy_out(root, ubuf + off * SECTOR_SIZE, bounce[i], counts[i] * SECTOR_SIZE) < 0) return -1;
        off += counts[i];
      }
    }
  }
  return (i64)nsect;
}
