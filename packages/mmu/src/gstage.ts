import { LEVEL_BITS, PAGE_SHIFT } from './pte.js';

/**
 * hgatp (priv spec 8.2.10): MODE 63..60, VMID 57..44, PPN 43..0. MODE 0 is Bare,
 * 8 Sv39x4 and 9 Sv48x4; VMIDLEN is 14 here. The root of an "x4" tree is 16 KiB, so PPN[1:0] read
 * as zero.
 */
export const HGATP_MODE_BARE = 0;
export const HGATP_MODE_SV39X4 = 8;
export const HGATP_MODE_SV48X4 = 9;
export const VMID_BITS = 14;
const HGATP_PPN_MASK = ((1n << 44n) - 1n) & ~3n;

/** WARL legalisation of an hgatp write; undefined when MODE is unsupported (the write is ignored). */
export function legalizeHgatp(value: bigint): bigint | undefined {
  const mode = Number(BigInt.asUintN(64, value) >> 60n);
  if (mode !== HGATP_MODE_BARE && mode !== HGATP_MODE_SV39X4 && mode !== HGATP_MODE_SV48X4) return undefined;
  const vmid = (value >> 44n) & ((1n << BigInt(VMID_BITS)) - 1n);
  return (BigInt(mode) << 60n) | (vmid << 44n) | (value & HGATP_PPN_MASK);
}

export const hgatpMode = (hgatp: bigint): number => Number(BigInt.asUintN(64, hgatp) >> 60n);
export const hgatpPpn = (hgatp: bigint): number => Number(hgatp & HGATP_PPN_MASK);

/** Levels of the G-stage tree: Sv39x4 has 3, Sv48x4 4 (priv spec 8.5.1); 0 for Bare. */
export function gstageLevels(mode: number): number {
  return mode === HGATP_MODE_SV39X4 ? 3 : mode === HGATP_MODE_SV48X4 ? 4 : 0;
}

/**
 * Size of the guest physical address space of a G-stage tree: 2^41 for Sv39x4, 2^50 for Sv48x4
 * ("x4": two more address bits than the VS-stage mode, priv spec 8.5.1).
 */
export const gpaLimit = (levels: number): number => 2 ** (levels * LEVEL_BITS + PAGE_SHIFT + 2);
