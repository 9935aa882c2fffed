/*
 * virtio-blk over virtio-mmio, modern (version 2) and legacy (version 1) transports, as Linux's
 * virtio_mmio driver: the Version register decides. QEMU 7.2's virt board is legacy unless started
 * with -global virtio-mmio.force-legacy=false.
 *
 * Each request uses three descriptors (header, data, status; 5.2.6). Requests are queued with
 * vblk_queue() and collected with vblk_finish(). The native build notifies the device for every
 * request; the paravirtual build queues as many as fit and notifies once (each notification is
 * an MMIO write, i.e. a VM exit under a hypervisor).
 */
#include "kernel.h"
#include "virtio.h"

#define QSIZE 64
#define SLOTS 16              /* 3 descriptors each: 48 <= QSIZE */

static u64 base;
static u64 capacity;
static u16 qnum;
static struct virtq_desc *desc;
static struct virtq_avail *avail;
static struct virtq_used *used;
static u16 used_seen;
static struct virtio_blk_req_hdr hdrs[SLOTS];
static volatile u8 status[SLOTS];
static int busy[SLOTS];
static int inflight, unnotified, failed;

static u32 rd(u32 off) { return mmio_r32(base + off); }
static void wr(u32 off, u32 v) { mmio_w32(base + off, v); }

static int probe(u64 b) {
  base = b;
  if (rd(VIRTIO_MMIO_MAGIC) != VIRTIO_MAGIC_VALUE || rd(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK) return -1;
  u32 version = rd(VIRTIO_MMIO_VERSION);
  if (version != 1 && version != 2) {
    kprintf("INFO virtio-blk at %lx has version %u: not supported\n", b, version);
    return -1;
  }
  int legacy = version == 1;
  /* Initialisation sequence, 3.1.1. */
  wr(VIRTIO_MMIO_STATUS, 0);
  wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  u32 st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
  if (legacy) {
    /* 4.2.4: 32 feature bits, no VERSION_1 and no FEATURES_OK step; we take no features. */
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
    wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, PAGE_SIZE);
    goto queue;
  }
  wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
  if (!(rd(VIRTIO_MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32)))) return -1;
  wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
  wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
  st |= VIRTIO_STATUS_FEATURES_OK;
  wr(VIRTIO_MMIO_STATUS, st);
  if (!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) goto fail;
queue:
  /* Queue 0 (4.2.3.2, legacy 4.2.4): one page holds the descriptor table, avail ring and used ring. */
  wr(VIRTIO_MMIO_QUEUE_SEL, 0);
  if (rd(legacy ? VIRTIO_MMIO_QUEUE_PFN : VIRTIO_MMIO_QUEUE_READY)) goto fail;
  u32 max = rd(VIRTIO_MMIO_QUEUE_NUM_MAX);
  if (max < 3 * SLOTS) goto fail;
  qnum = max < QSIZE ? (u16)max : QSIZE;
  u8 *page = kalloc();
  if (!page) goto fail;
  desc = (struct virtq_desc *)page;                   /* 16 * 64 = 1024 bytes, align 16 */
  avail = (struct virtq_avail *)(page + 1024);        /* 6 + 2 * 64 bytes, align 2 */
  used = (struct virtq_used *)(page + 2048);          /* 6 + 8 * 64 bytes, align 4 */
  wr(VIRTIO_MMIO_QUEUE_NUM, qnum);
  if (legacy) {
    /* The legacy layout (2.7.2) puts the used ring at the next QueueAlign boundary after the
     * available ring: with 2048 it lands at page + 2048, the same layout as below. */
    avail = (struct virtq_avail *)(page + 16 * qnum);  /* right after the descriptors */
    wr(VIRTIO_MMIO_QUEUE_ALIGN, 2048);
    wr(VIRTIO_MMIO_QUEUE_PFN, (u32)((u64)page / PAGE_SIZE));
    goto ready;
  }
  wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (u32)(u64)desc);
  wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (u32)((u64)desc >> 32));
  wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (u32)(u64)avail);
  wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (u32)((u64)avail >> 32));
  wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (u32)(u64)used);
  wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (u32)((u64)used >> 32));
  wr(VIRTIO_MMIO_QUEUE_READY, 1);
ready:
  /* Config space (5.2.4): capacity in 512-byte sectors, read twice as two 32-bit halves. */
  capacity = rd(VIRTIO_MMIO_CONFIG) | (u64)rd(VIRTIO_MMIO_CONFIG + 4) << 32;
  wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
  return 0;
fail:
  wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
  return -1;
}

int virtio_blk_init(void) {
  for (int i = 0; i < boot.nvirtio; i++)
    if (probe(boot.virtio_base[i]) == 0) return 0;
  base = 0;
  return -1;
}

u64 virtio_blk_capacity(void) { return base ? capacity : 0; }

static void notify(void) {
  if (!unnotified) return;
  __sync_synchronize();                /* ring updates visible before the notify (2.7.13) */
  wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
  unnotified = 0;
}

/* Queue one request; returns -1 if all slots are busy (call vblk_finish first). */
int vblk_queue(u64 sector, u8 *buf, u32 nsect, int write) {
  int s = 0;
  while (s < SLOTS && busy[s]) s++;
  if (s == SLOTS) return -1;
  busy[s] = 1;
  hdrs[s].type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  hdrs[s].reserved = 0;
  hdrs[s].sector = sector;
  status[s] = 0xff;
  u16 d = (u16)(3 * s);
  desc[d] = (struct virtq_desc){ (u64)&hdrs[s], sizeof hdrs[s], VIRTQ_DESC_F_NEXT, (u16)(d + 1) };
  desc[d + 1] = (struct virtq_desc){ (u64)buf, nsect * 512, (u16)(VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE)), (u16)(d + 2) };
  desc[d + 2] = (struct virtq_desc){ (u64)&status[s], 1, VIRTQ_DESC_F_WRITE, 0 };
  avail->ring[avail->idx % qnum] = d;
  __sync_synchronize();                /* descriptors before the index (2.7.13.2) */
  avail->idx++;
  inflight++;
  unnotified++;
#ifndef PARAVIRT
  notify();
#else
  if (inflight == SLOTS) notify();     /* batch: one notification for a full ring */
#endif
  return s;
}

/* Notify if needed, then wait for every queued request. Returns 0 when all succeeded. */
int vblk_finish(void) {
  notify();
  while (inflight) {
    __sync_synchronize();
    while (used_seen != *(volatile u16 *)&used->idx) {
      struct virtq_used_elem *e = &used->ring[used_seen % qnum];
      int s = (int)(e->id / 3);
      if (status[s] != VIRTIO_BLK_S_OK) failed = 1;
      busy[s] = 0;
      inflight--;
      used_seen++;
    }
  }
  /* We poll, but acknowledge so the (unused) interrupt line drops (4.2.2). */
  u32 isr = rd(VIRTIO_MMIO_INTERRUPT_STATUS);
  if (isr) wr(VIRTIO_MMIO_INTERRUPT_ACK, isr);
  int r = failed ? -1 : 0;
  failed = 0;
  return r;
}

int virtio_blk_slots(void) { return SLOTS; }
