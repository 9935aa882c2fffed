/* Driver for the "vm,pio-disk" legacy disk (protocol in include/pio_disk.h): every data word
 * passes through the DATA register, so each word costs one MMIO access. Polled. */
#include "kernel.h"
#include "pio_disk.h"

static u64 base;
static u64 capacity;

static u32 rd(u32 off) { return mmio_r32(base + off); }
static void wr(u32 off, u32 v) { mmio_w32(base + off, v); }

int pio_disk_init(void) {
  base = boot.pio_base;
  if (!base) return -1;
  if (rd(PIO_DISK_MAGIC) != PIO_DISK_MAGIC_VALUE) { base = 0; return -1; }
  capacity = rd(PIO_DISK_CAPACITY_LO) | (u64)rd(PIO_DISK_CAPACITY_HI) << 32;
  wr(PIO_DISK_IRQ_ENABLE, 0);
  return 0;
}

u64 pio_disk_capacity(void) { return base ? capacity : 0; }

/* Spin until any bit in `want` or ERR is set; returns the status, or ERR on timeout. */
static u32 wait_for(u32 want) {
  for (u64 spins = 0; spins < 100000000UL; spins++) {
    u32 st = rd(PIO_DISK_STATUS);
    if (st & (want | PIO_STATUS_ERR)) return st;
  }
  return PIO_STATUS_ERR;
}

int pio_disk_rw(u64 sector, u8 *buf, u32 nsect, int write) {
  if (!base) return -1;
  wr(PIO_DISK_LBA_LO, (u32)sector);
  wr(PIO_DISK_LBA_HI, (u32)(sector >> 32));
  wr(PIO_DISK_COUNT, nsect);
  wr(PIO_DISK_COMMAND, write ? PIO_CMD_WRITE : PIO_CMD_READ);
  u32 *w = (u32 *)buf;
  for (u32 s = 0; s < nsect; s++) {
    if (wait_for(PIO_STATUS_DRQ) & PIO_STATUS_ERR) return -1;
    for (int i = 0; i < PIO_SECTOR_WORDS; i++, w++) {
      if (write) wr(PIO_DISK_DATA, *w);
      else *w = rd(PIO_DISK_DATA);
    }
  }
  return (wait_for(PIO_STATUS_DONE) & PIO_STATUS_ERR) ? -1 : 0;
}
