/** Width of one bus access in bytes. */
export type AccessWidth = 1 | 2 | 4 | 8;

/**
 * A memory-mapped device, in the manner of QEMU's MemoryRegionOps and Firecracker's BusDevice:
 * it does not know where it sits in the address space. `offset` is relative to the device's base.
 *
 * Values are unsigned and at most `width` bytes wide. The bus only hands a device widths listed in
 * `accessWidths`: a wider access is split into the widest declared width (little-endian order),
 * a narrower one is rejected as an access fault. A device never throws for a guest access:
 * unknown registers read as zero and ignore writes (a guest error, not a host error).
 */
export interface MmioDevice {
  /** Size of the register window in bytes. */
  readonly size: number;
  /** Widths the device implements, e.g. [1] for a 16550 with reg-shift 0, [4] for a PLIC. */
  readonly accessWidths: readonly AccessWidth[];
  read(offset: number, width: AccessWidth): bigint;
  write(offset: number, width: AccessWidth, value: bigint): void;
}
