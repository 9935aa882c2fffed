/**
 * mstatus fields (priv spec 3.1.6, RV64 layout). The hart stores the low 23 bits as a number; the
 * upper fields are constant here (UXL = SXL = 2, SBE = MBE = 0) and SD is derived from FS (XS and VS
 * are hard-wired to 0 because there are no extensions with additional user state besides F/D).
 */
export const MSTATUS_SIE = 1 << 1;
export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_SPIE = 1 << 5;
export const MSTATUS_UBE = 1 << 6;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_SPP = 1 << 8;
export const MSTATUS_MPP_SHIFT = 11;
export const MSTATUS_MPP = 3 << MSTATUS_MPP_SHIFT;
export const MSTATUS_FS_SHIFT = 13;
export const MSTATUS_FS = 3 << MSTATUS_FS_SHIFT;
export const MSTATUS_MPRV = 1 << 17;
export const MSTATUS_SUM = 1 << 18;
export const MSTATUS_MXR = 1 << 19;
export const MSTATUS_TVM = 1 << 20;
export const MSTATUS_TW = 1 << 21;
export const MSTATUS_TSR = 1 << 22;

/** FS encodings (priv spec table 3.3). */
export const FS_OFF = 0;
export const FS_DIRTY = 3;

/** Bits M-mode may write (everything implemented in the low word; UBE stays 0 — little-endian only). */
export const MSTATUS_WRITABLE =
  MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | MSTATUS_FS |
  MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;

/** The sstatus view (priv spec 4.1.1): SIE, SPIE, UBE, SPP, VS, FS, XS, SUM, MXR, UXL, SD. */
export const SSTATUS_MASK = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR;

/** Constant upper half: UXL = 2 (bits 33:32) and SXL = 2 (bits 35:34), i.e. XLEN 64. */
export const MSTATUS_UXL_64 = 2n << 32n;
export const MSTATUS_SXL_64 = 2n << 34n;
export const MSTATUS_SD = 1n << 63n;

/** WARL legalisation of a value written to the stored low word (MPP=2 is reserved: keep old MPP). */
export function legalizeMstatus(old: number, value: number): number {
  let v = (old & ~MSTATUS_WRITABLE) | (value & MSTATUS_WRITABLE);
  if (((v & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) === 2) v = (v & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
  return v;
}

/** The architectural 64-bit mstatus value for the stored low word. */
export function mstatusValue(low: number): bigint {
  const sd = (low & MSTATUS_FS) === MSTATUS_FS ? MSTATUS_SD : 0n;
  return BigInt(low >>> 0) | MSTATUS_UXL_64 | MSTATUS_SXL_64 | sd;
}

/** The architectural sstatus value: the sstatus view of mstatus, with UXL and SD. */
export function sstatusValue(low: number): bigint {
  const sd = (low & MSTATUS_FS) === MSTATUS_FS ? MSTATUS_SD : 0n;
  return BigInt((low & SSTATUS_MASK) >>> 0) | MSTATUS_UXL_64 | sd;
}
