/**
 * Guest-physical memory as a DMA-capable device sees it (virtio rings and buffers).
 * Addresses are guest-physical; an access outside RAM returns false / throws GuestMemoryError,
 * never touches host memory outside the guest.
 */
export interface GuestMemory {
  /** True when [addr, addr+length) lies entirely inside guest RAM. */
  contains(addr: number, length: number): boolean;
  /**
   * A live view of guest RAM; throws GuestMemoryError when out of range. RAM kept in chunks (see
   * @vm/mmu Ram) gives one view only within a chunk: a range that may span more uses views().
   */
  slice(addr: number, length: number): Uint8Array;
  /** Live views covering [addr, addr + length) in order (one per RAM chunk it spans). */
  views(addr: number, length: number): Uint8Array[];
  read8(addr: number): number;
  read16(addr: number): number;
  read32(addr: number): number;
  read64(addr: number): bigint;
  write8(addr: number, value: number): void;
  write16(addr: number, value: number): void;
  write32(addr: number, value: number): void;
  write64(addr: number, value: bigint): void;
}
