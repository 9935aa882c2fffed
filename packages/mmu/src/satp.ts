/**
 * satp fields on RV64 (priv spec 4.1.11, figure 4.12): MODE 63..60, ASID 59..44, PPN 43..0.
 * The hart legalises writes (unsupported MODE values leave satp unchanged), so the MMU only ever
 * sees Bare, Sv39 or Sv48.
 */
export const SATP_MODE_BARE = 0;
export const SATP_MODE_SV39 = 8;
export const SATP_MODE_SV48 = 9;

/** QEMU implements the full 16-bit ASID (ASIDMAX on RV64). */
export const ASID_MASK = 0xffff;

const PPN_MASK = (1n << 44n) - 1n;

export const satpMode = (satp: bigint): number => Number(BigInt.asUintN(64, satp) >> 60n);
export const satpAsid = (satp: bigint): number => Number((satp >> 44n) & 0xffffn);
export const satpPpn = (satp: bigint): number => Number(satp & PPN_MASK);

/** Number of page-table levels for a translating mode (LEVELS in priv spec 4.3.2), 0 for Bare. */
export function pagingLevels(mode: number): number {
  switch (mode) {
    case SATP_MODE_SV39: return 3;
    case SATP_MODE_SV48: return 4;
    default: return 0;
  }
}
