/*
 * Platform-Level Interrupt Controller (RISC-V PLIC Specification v1.0.0). Register map (ch. 3):
 * priority at 4*src, enable bits at 0x2000 + 0x80*ctx, threshold at 0x200000 + 0x1000*ctx,
 * claim/complete at threshold + 4. On QEMU virt, hart 0's S-mode is context 1 (context 0 is its
 * M-mode), as the DTB's interrupts-extended <&cpu0_intc 11 &cpu0_intc 9> lists.
 */
#include "kernel.h"

#define PLIC_CTX 1

static u64 base;

void plic_init(void) {
  base = boot.plic_base;
  if (!base) return;
  mmio_w32(base + 0x200000 + 0x1000 * PLIC_CTX, 0);   /* threshold 0: accept priority >= 1 */
  csr_set(sie, SIE_SEIE);
}

void plic_enable(u32 irq) {
  if (!base) return;
  mmio_w32(base + 4 * irq, 1);
  u64 en = base + 0x2000 + 0x80 * PLIC_CTX + 4 * (irq / 32);
  mmio_w32(en, mmio_r32(en) | (1u << (irq % 32)));
}

u32 plic_claim(void) { return base ? mmio_r32(base + 0x200004 + 0x1000 * PLIC_CTX) : 0; }
void plic_complete(u32 irq) { if (base) mmio_w32(base + 0x200004 + 0x1000 * PLIC_CTX, irq); }
