/*
 * netdemo: two bare-metal M-mode guests talking over virtio-net (virtio 1.2 §5.1) through a
 * virtio-mmio transport, legacy (§4.2.4, version 1) or modern (§4.2, version 2), with split
 * virtqueues (§2.7), polling only.
 *
 * The NIC is found by probing the 8 virtio-mmio slots of the virt board (0x1000_1000 + n*0x1000)
 * for DeviceID 1. Its MAC (config space bytes 0..5) picks the role:
 *   - last byte 0x01: the pinger. It sends N frames (virtio_net_hdr + Ethernet: broadcast
 *     destination, ethertype 0x88b5, a sequence number and a payload), waits for each echo,
 *     checks it, and prints "NET ping <ok>/<N> ok crc=0x........" (CRC-32 of the echoed payloads).
 *   - otherwise: the echoer. It sends every frame it receives back, source and destination MAC
 *     swapped, and stops after N frames ("NET echo <n> frames").
 * Both power off through sifive_test (0x10_0000): 0x5555 on success, 0x3333 | 1 << 16 on failure.
 */
#include <stdint.h>

#define UART 0x10000000UL
#define SIFIVE_TEST 0x100000UL
#define VIRTIO_BASE 0x10001000UL
#define VIRTIO_SLOTS 8

/* virtio-mmio registers (§4.2.2) */
#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define DEVICE_FEATURES 0x010
#define DEVICE_FEATURES_SEL 0x014
#define DRIVER_FEATURES 0x020
#define DRIVER_FEATURES_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define GUEST_PAGE_SIZE 0x028 /* legacy interface only (§4.2.4) */
#define QUEUE_ALIGN 0x03c
#define QUEUE_PFN 0x040
#define QUEUE_NOTIFY 0x050
#define STATUS 0x070
#define QUEUE_DESC_LOW 0x080
#define QUEUE_DESC_HIGH 0x084
#define QUEUE_DRIVER_LOW 0x090
#define QUEUE_DRIVER_HIGH 0x094
#define QUEUE_DEVICE_LOW 0x0a0
#define QUEUE_DEVICE_HIGH 0x0a4
#define CONFIG 0x100

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

#define F_NET_MAC 5       /* word 0 */
#define F_VERSION_1 0     /* word 1: bit 32 */
#define VIRTIO_ID_NET 1
#define DESC_F_WRITE 2

#define RXQ 0
#define TXQ 1
#define QSZ 16
#define BUF_SIZE 1536
#define HDR_SIZE hdr_size /* struct virtio_net_hdr: 12 bytes with VERSION_1, 10 on legacy (§5.1.6.1) */
#define ETH_HDR 14
#define ETHERTYPE 0x88b5  /* IEEE 802 local experimental */
#define N 16
#define PAYLOAD 64
#define TIMEOUT 20000000u /* polls per frame before giving up */

uint32_t probe32(uint64_t addr);

struct desc { uint64_t addr; uint32_t len; uint16_t flags; uint16_t next; };
struct avail { uint16_t flags; uint16_t idx; uint16_t ring[QSZ]; uint16_t used_event; };
struct used_elem { uint32_t id; uint32_t len; };
struct used { uint16_t flags; uint16_t idx; struct used_elem ring[QSZ]; uint16_t avail_event; };

struct vq {
  struct desc desc[QSZ];                         /* 16-byte aligned (§2.7) */
  struct avail avail __attribute__((aligned(16)));
  struct used used __attribute__((aligned(16)));
  uint8_t buf[QSZ][BUF_SIZE] __attribute__((aligned(16)));
  uint16_t last_used;
};

static struct vq rxq __attribute__((aligned(4096)));
static struct vq txq __attribute__((aligned(4096)));
static uintptr_t nic;
static int legacy;          /* Version 1: the legacy interface (§4.2.4), QEMU 7.2's default */
static uint32_t hdr_size = 12;
static uint8_t mac[6];

static inline uint32_t rd32(uintptr_t off) { return *(volatile uint32_t *)(nic + off); }
static inline void wr32(uintptr_t off, uint32_t v) { *(volatile uint32_t *)(nic + off) = v; }
#define fence() __asm__ volatile("fence rw, rw" ::: "memory")

static void putc_(char c) {
  volatile uint8_t *u = (volatile uint8_t *)UART;
  while (!(u[5] & 0x20)) {}
  u[0] = (uint8_t)c;
}
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void putdec(uint32_t v) {
  char b[11]; int i = 0;
  do { b[i++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (i) putc_(b[--i]);
}
static void puthex32(uint32_t v) {
  for (int s = 28; s >= 0; s -= 4) putc_("0123456789abcdef"[(v >> s) & 15]);
}
static void putmac(const uint8_t *m) {
  for (int i = 0; i < 6; i++) {
    putc_("0123456789abcdef"[m[i] >> 4]);
    putc_("0123456789abcdef"[m[i] & 15]);
    if (i < 5) putc_(':');
  }
}

static __attribute__((noreturn)) void poweroff(int ok) {
  *(volatile uint32_t *)SIFIVE_TEST = ok ? 0x5555 : (0x3333 | (1u << 16));
  for (;;) {}
}
static __attribute__((noreturn)) void fail(const char *why) {
  puts_("NET error: "); puts_(why); putc_('\n');
  poweroff(0);
}

static void copy(uint8_t *d, const uint8_t *s, uint32_t n) { for (uint32_t i = 0; i < n; i++) ((volatile uint8_t *)d)[i] = s[i]; }

static uint32_t crc32(uint32_t crc, const uint8_t *p, uint32_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

static void setup_queue(uint32_t q, struct vq *vq) {
  wr32(QUEUE_SEL, q);
  if (rd32(legacy ? QUEUE_PFN : QUEUE_READY) != 0) fail("queue already live");
  if (rd32(QUEUE_NUM_MAX) < QSZ) fail("queue too small");
  wr32(QUEUE_NUM, QSZ);
  if (legacy) {
    /* §2.7.2 legacy layout from the page-aligned start of *vq: avail right after the 16
     * descriptors (offset 256), used at the next QueueAlign boundary after avail (294 -> 304),
     * which is where struct vq puts them with QueueAlign 16. */
    wr32(QUEUE_ALIGN, 16);
    wr32(QUEUE_PFN, (uint32_t)((uintptr_t)vq->desc >> 12));
    return;
  }
  uint64_t d = (uintptr_t)vq->desc, a = (uintptr_t)&vq->avail, u = (uintptr_t)&vq->used;
  wr32(QUEUE_DESC_LOW, (uint32_t)d); wr32(QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
  wr32(QUEUE_DRIVER_LOW, (uint32_t)a); wr32(QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
  wr32(QUEUE_DEVICE_LOW, (uint32_t)u); wr32(QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
  wr32(QUEUE_READY, 1);
}

/* §3.1.1 driver initialisation; returns 0 when no virtio-net device answers. */
static int init_nic(void) {
  for (int slot = VIRTIO_SLOTS - 1; slot >= 0 && !nic; slot--) {
    uintptr_t base = VIRTIO_BASE + (uintptr_t)slot * 0x1000;
    uint32_t v = probe32(base + MAGIC) == 0x74726976 ? probe32(base + VERSION) : 0;
    if ((v == 1 || v == 2) && probe32(base + DEVICE_ID) == VIRTIO_ID_NET) {
      nic = base;
      legacy = v == 1;
    }
  }
  if (!nic) return 0;
  wr32(STATUS, 0);
  wr32(STATUS, S_ACKNOWLEDGE);
  wr32(STATUS, S_ACKNOWLEDGE | S_DRIVER);
  wr32(DEVICE_FEATURES_SEL, 0);
  uint32_t f0 = rd32(DEVICE_FEATURES);
  uint32_t ok = S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK;
  if (legacy) {
    /* §4.2.4: 32 feature bits, no VERSION_1, no FEATURES_OK; the ring unit is GuestPageSize. */
    if (!(f0 & (1u << F_NET_MAC))) fail("device lacks MAC");
    wr32(DRIVER_FEATURES_SEL, 0); wr32(DRIVER_FEATURES, 1u << F_NET_MAC);
    wr32(GUEST_PAGE_SIZE, 4096);
    hdr_size = 10;
    ok = S_ACKNOWLEDGE | S_DRIVER;
    goto queues;
  }
  wr32(DEVICE_FEATURES_SEL, 1);
  uint32_t f1 = rd32(DEVICE_FEATURES);
  if (!(f1 & (1u << F_VERSION_1)) || !(f0 & (1u << F_NET_MAC))) fail("device lacks VERSION_1 or MAC");
  wr32(DRIVER_FEATURES_SEL, 0); wr32(DRIVER_FEATURES, 1u << F_NET_MAC);
  wr32(DRIVER_FEATURES_SEL, 1); wr32(DRIVER_FEATURES, 1u << F_VERSION_1);
  wr32(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
  if (!(rd32(STATUS) & S_FEATURES_OK)) fail("features not accepted");
queues:
  setup_queue(RXQ, &rxq);
  setup_queue(TXQ, &txq);
  for (int i = 0; i < 6; i++) mac[i] = *(volatile uint8_t *)(nic + CONFIG + i);
  /* Every receive descriptor is one device-writable buffer, all made available up front. */
  for (uint16_t i = 0; i < QSZ; i++) {
    rxq.desc[i] = (struct desc){ (uintptr_t)rxq.buf[i], BUF_SIZE, DESC_F_WRITE, 0 };
    rxq.avail.ring[i] = i;
  }
  fence();
  rxq.avail.idx = QSZ;
  fence();
  wr32(STATUS, ok | S_DRIVER_OK);
  wr32(QUEUE_NOTIFY, RXQ);
  return 1;
}

/* Send buffer `len` bytes long (virtio_net_hdr included) from the next transmit slot. */
static void send(uint8_t *buf, uint32_t len) {
  uint16_t i = txq.avail.idx % QSZ;
  txq.desc[i] = (struct desc){ (uintptr_t)buf, len, 0, 0 };
  txq.avail.ring[i] = i;
  fence();
  txq.avail.idx++;
  fence();
  wr32(QUEUE_NOTIFY, TXQ);
}
static uint8_t *tx_buffer(void) { return txq.buf[txq.avail.idx % QSZ]; }

/* The next received frame (hdr stripped; its length in *len), or 0 after TIMEOUT polls. */
static uint8_t *receive(uint32_t *len, uint16_t *id) {
  for (uint32_t n = 0; n < TIMEOUT; n++) {
    if (*(volatile uint16_t *)&rxq.used.idx != rxq.last_used) {
      fence();
      struct used_elem e = rxq.used.ring[rxq.last_used % QSZ];
      rxq.last_used++;
      *id = (uint16_t)e.id;
      *len = e.len < HDR_SIZE ? 0 : e.len - HDR_SIZE;
      return rxq.buf[e.id % QSZ] + HDR_SIZE;
    }
  }
  return 0;
}

/* Give receive buffer `id` back to the device. */
static void recycle(uint16_t id) {
  rxq.avail.ring[rxq.avail.idx % QSZ] = id;
  fence();
  rxq.avail.idx++;
  fence();
  wr32(QUEUE_NOTIFY, RXQ);
}

static uint8_t pattern(uint32_t seq, uint32_t i) { return (uint8_t)(seq * 31 + i * 7 + 3); }

static void pinger(void) {
  uint32_t ok = 0, crc = 0;
  for (uint32_t seq = 0; seq < N; seq++) {
    uint8_t *b = tx_buffer();
    for (uint32_t i = 0; i < HDR_SIZE; i++) b[i] = 0;
    uint8_t *f = b + HDR_SIZE;
    for (int i = 0; i < 6; i++) { f[i] = 0xff; f[6 + i] = mac[i]; }
    f[12] = ETHERTYPE >> 8; f[13] = ETHERTYPE & 0xff;
    uint8_t *p = f + ETH_HDR;
    p[0] = (uint8_t)(seq >> 24); p[1] = (uint8_t)(seq >> 16); p[2] = (uint8_t)(seq >> 8); p[3] = (uint8_t)seq;
    for (uint32_t i = 4; i < PAYLOAD; i++) p[i] = pattern(seq, i);
    send(b, HDR_SIZE + ETH_HDR + PAYLOAD);

    uint32_t len; uint16_t id;
    uint8_t *r = receive(&len, &id);
    if (!r) break;
    int good = len == ETH_HDR + PAYLOAD && r[12] == (ETHERTYPE >> 8) && r[13] == (ETHERTYPE & 0xff);
    for (int i = 0; i < 6 && good; i++) good = r[i] == mac[i];
    for (uint32_t i = 0; i < PAYLOAD && good; i++) good = r[ETH_HDR + i] == p[i];
    if (good) {
      ok++;
      crc = crc32(crc, r + ETH_HDR, PAYLOAD);
    } else {
      puts_("NET bad echo of frame "); putdec(seq); putc_('\n');
    }
    recycle(id);
  }
  puts_("NET ping "); putdec(ok); putc_('/'); putdec(N);
  puts_(ok == N ? " ok" : " FAIL"); puts_(" crc=0x"); puthex32(crc); putc_('\n');
  poweroff(ok == N);
}

static void echoer(void) {
  uint32_t n = 0;
  while (n < N) {
    uint32_t len; uint16_t id;
    uint8_t *r = receive(&len, &id);
    if (!r) break;
    uint8_t *b = tx_buffer();
    for (uint32_t i = 0; i < HDR_SIZE; i++) b[i] = 0;
    uint8_t *f = b + HDR_SIZE;
    copy(f, r + 6, 6);   /* destination: the sender */
    copy(f + 6, mac, 6); /* source: us */
    copy(f + 12, r + 12, len - 12);
    recycle(id);
    send(b, HDR_SIZE + len);
    n++;
  }
  puts_("NET echo "); putdec(n); puts_(" frames\n");
  poweroff(n == N);
}

int main(void) {
  if (!init_nic()) fail("no virtio-net device");
  int ping = mac[5] == 0x01;
  puts_("netdemo: "); puts_(ping ? "pinger" : "echoer"); puts_(" mac "); putmac(mac); putc_('\n');
  if (ping) pinger();
  else echoer();
  return 0;
}
