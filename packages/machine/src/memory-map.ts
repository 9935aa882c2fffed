/**
 * QEMU's `virt` board memory map (hw/riscv/virt.c, QEMU 7.2) — the addresses firmware and kernels
 * built for `-M virt` expect. Only what this board implements is listed.
 */
export const VIRT = {
  mrom: { base: 0x1000, size: 0xf000 },
  test: { base: 0x10_0000, size: 0x1000 },
  rtc: { base: 0x10_1000, size: 0x1000 },
  clint: { base: 0x200_0000, size: 0x1_0000 },
  plic: { base: 0xc00_0000, size: 0x60_0000 },
  uart0: { base: 0x1000_0000, size: 0x100 },
  virtio: { base: 0x1000_1000, size: 0x1000, count: 8 },
  /** Not on QEMU: our register-level legacy disk (guests/include/pio_disk.h), in a hole of QEMU's map. */
  pioDisk: { base: 0x1000_9000, size: 0x1000 },
  dram: { base: 0x8000_0000 },
} as const;

/** PLIC interrupt source numbers (QEMU virt): UART0 10, RTC 11, virtio slot n → 1 + n. */
export const VIRT_IRQ = {
  uart0: 10,
  rtc: 11,
  pioDisk: 12,
  virtio: (slot: number): number => 1 + slot,
} as const;

/** Number of PLIC sources QEMU declares (`riscv,ndev`); source 0 is reserved. */
export const VIRT_PLIC_NDEV = 96;
/** Timebase of the CLINT and the `time` CSR: 10 MHz, as QEMU's virt. */
export const VIRT_TIMEBASE_HZ = 10_000_000;
/** Where a payload goes after the firmware (OpenSBI's FW_JUMP_ADDR on QEMU virt, RV64). */
export const VIRT_KERNEL_BASE = 0x8020_0000;
