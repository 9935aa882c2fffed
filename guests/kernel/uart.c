/*
 * NS16550A driver (PC16550D datasheet, section 8 "Registers"). On the virt board the registers
 * are consecutive bytes (reg-shift 0). Two modes, chosen by the bootarg uart=poll|irq:
 *  poll: transmit by spinning on LSR.THRE; receive by polling LSR.DR.
 *  irq:  transmit through a ring drained by the THR-empty interrupt, receive by the
 *        received-data interrupt, both arriving through PLIC source 10.
 */
#include "kernel.h"

#define RBR 0
#define THR 0
#define IER 1
#define FCR 2
#define IIR 2
#define LCR 3
#define LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define IER_RX 0x01
#define IER_TX 0x02

static u64 base;
static int irq_mode;
static char txring[1024], rxring[128];
static volatile u32 txh, txt, rxh, rxt;   /* head = next to write, tail = next to read */

static u8 rd(int r) { return mmio_r8(base + r); }
static void wr(int r, u8 v) { mmio_w8(base + r, v); }

void uart_init(int use_irq) {
  base = boot.uart_base;
  if (!base) return;
  wr(IER, 0);
  wr(LCR, 0x03);            /* 8N1, DLAB=0; baud rate is irrelevant on an emulated line */
  wr(FCR, 0x07);            /* enable and reset FIFOs */
  irq_mode = use_irq;
  if (irq_mode) {
    plic_enable(boot.uart_irq);
    wr(IER, IER_RX);
  }
}

/* Move bytes from the ring to THR while the transmitter accepts them. */
static void tx_drain(void) {
  while (txt != txh && (rd(LSR) & LSR_THRE)) {
    wr(THR, (u8)txring[txt % sizeof txring]);
    txt++;
  }
  wr(IER, IER_RX | (txt != txh ? IER_TX : 0));
}

void uart_putc(char c) {
  if (!base) return;
  if (!irq_mode) {
    while (!(rd(LSR) & LSR_THRE)) {}
    wr(THR, (u8)c);
    return;
  }
  /* Ring full: the kernel usually runs with interrupts off, so drain by polling. */
  while (txh - txt >= sizeof txring) {
    while (!(rd(LSR) & LSR_THRE)) {}
    tx_drain();
  }
  txring[txh % sizeof txring] = c;
  txh++;
  tx_drain();
}

void uart_flush(void) {
  if (!base || !irq_mode) return;
  while (txt != txh) {
    while (!(rd(LSR) & LSR_THRE)) {}
    tx_drain();
  }
}

int uart_getc(void) {
  if (!base) return -1;
  if (irq_mode) {
    if (rxt == rxh) return -1;
    return (u8)rxring[rxt++ % sizeof rxring];
  }
  return (rd(LSR) & LSR_DR) ? rd(RBR) : -1;
}

/* PLIC source 10 handler: read IIR to acknowledge, move received bytes in, refill THR. */
void uart_intr(void) {
  (void)rd(IIR);
  while (rd(LSR) & LSR_DR) {
    u8 c = rd(RBR);
    if (rxh - rxt < sizeof rxring) rxring[rxh++ % sizeof rxring] = (char)c;
  }
  tx_drain();
}
