/**
 * Field layouts of the hypervisor extension's status registers (priv spec 8.2.1 hstatus, 8.4.1
 * mstatus additions, 8.2.11 vsstatus). Stored low words are numbers; constant upper fields are
 * added on read.
 */
import { MSTATUS_FS, MSTATUS_MXR, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_SUM } from './mstatus.js';

/** hstatus (figure 8.2). VSBE (5) is 0 (little-endian only) and VGEIN (17:12) is 0 (GEILEN = 0). */
export const HSTATUS_GVA = 1 << 6;
export const HSTATUS_SPV = 1 << 7;
export const HSTATUS_SPVP = 1 << 8;
export const HSTATUS_HU = 1 << 9;
export const HSTATUS_VTVM = 1 << 20;
export const HSTATUS_VTW = 1 << 21;
export const HSTATUS_VTSR = 1 << 22;
export const HSTATUS_WRITABLE =
  HSTATUS_GVA | HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_HU | HSTATUS_VTVM | HSTATUS_VTW | HSTATUS_VTSR;
/** VSXL (33:32) is read-only 2: VS-mode is RV64. */
export const HSTATUS_VSXL_64 = 2n << 32n;

/** mstatus.GVA (bit 38) and MPV (bit 39), kept outside the stored low word (priv spec 8.4.1). */
export const MSTATUS_GVA_BIT = 38n;
export const MSTATUS_MPV_BIT = 39n;

/** vsstatus: the sstatus layout (SIE, SPIE, UBE=0, SPP, FS, SUM, MXR; UXL = 2, SD derived). */
export const VSSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR;

export function vsstatusValue(low: number): bigint {
  const sd = (low & MSTATUS_FS) === MSTATUS_FS ? 1n << 63n : 0n;
  return BigInt(low >>> 0) | (2n << 32n) | sd;
}
