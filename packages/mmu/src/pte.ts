/**
 * Page-table entry layout for Sv39/Sv48 (priv spec 4.4.1, figure 4.21): flags in bits 7..0,
 * RSW in 9..8, PPN in 53..10, reserved bits 60..54, PBMT 62..61 and N 63.
 * The walker reads a PTE as two 32-bit halves, so these are expressed on `lo` (bits 31..0) and
 * `hi` (bits 63..32) to keep the walk free of BigInt arithmetic.
 */
export const PTE_V = 1 << 0;
export const PTE_R = 1 << 1;
export const PTE_W = 1 << 2;
export const PTE_X = 1 << 3;
export const PTE_U = 1 << 4;
export const PTE_G = 1 << 5;
export const PTE_A = 1 << 6;
export const PTE_D = 1 << 7;

/** Size of one PTE in bytes (PTESIZE, priv spec 4.4.1). */
export const PTE_SIZE = 8;
/** 4 KiB base pages (PAGESIZE = 2^12). */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** Each level of the tree translates 9 VPN bits (512 PTEs per page-table page). */
export const LEVEL_BITS = 9;

/**
 * Bits 63..54 of the PTE: N (Svnapot), PBMT (Svpbmt) and the reserved field. None of those
 * extensions is implemented, so any set bit is reserved and the walk must page-fault (priv spec
 * 4.3.2 step 3; 4.4.1 "bits 63–54 are reserved for future standard use").
 */
export const PTE_HI_RESERVED_SHIFT = 22;

/**
 * For non-leaf PTEs the D, A and U bits are reserved for future standard use (priv spec 4.3.1),
 * so step 3 of the walk faults on them too (current QEMU does the same).
 */
export const PTE_NONLEAF_RESERVED = PTE_D | PTE_A | PTE_U;

/** Low 10 bits of the PTE: flags and RSW. */
export const pteFlags = (lo: number): number => lo & 0xff;

/** PPN field (bits 53..10) of a PTE given as halves; at most 44 bits, so exact as a number. */
export const ptePpn = (lo: number, hi: number): number => (lo >>> 10) + (hi & 0x3f_ffff) * 2 ** 22;

/** True when any of bits 63..54 is set. */
export const pteHasReservedHigh = (hi: number): boolean => hi >>> PTE_HI_RESERVED_SHIFT !== 0;

/** A PTE is a leaf when R or X is set; otherwise it points to the next level (priv spec 4.3.2 step 4). */
export const pteIsLeaf = (flags: number): boolean => (flags & (PTE_R | PTE_X)) !== 0;
